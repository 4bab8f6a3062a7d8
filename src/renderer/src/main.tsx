import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { connectApi } from './api'
import { App } from './app'
import './styles.css'

// Connect first: in browser mode the shim takes its access token out of the URL before the view
// starts writing its filter state there.
connectApi()

const root = document.getElementById('root')
if (root === null) throw new Error('index.html has no #root element')
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>
)
