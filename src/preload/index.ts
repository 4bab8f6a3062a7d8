import { contextBridge, ipcRenderer } from 'electron'
import { API_GLOBAL } from '../shared/contract-channels'
import { createContractApi } from './contract-api'

// contextBridge copies the frozen object into the page's world: the page gets named functions
// bound to fixed channels, never ipcRenderer or a way to name a channel itself.
contextBridge.exposeInMainWorld(API_GLOBAL, createContractApi(ipcRenderer))
