// The renderer's name for the shared display rule (src/shared, so tests and other processes can
// predict exactly what the window prints).
export { visibleControls } from '../../../shared/visible-controls'
