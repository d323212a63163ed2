/**
 * The ComfyUI release the bundled node definitions (object-info.core.json) were captured from. Machines should run
 * this version so that offline validation matches what their server accepts.
 */
export const COMFYUI_VERSION = '0.3.64';
