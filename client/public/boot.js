// Loads the wasm app built by `just build-client` (wasm-bindgen --target web).
import init from '/client.js';

init({ module_or_path: '/client_bg.wasm' });
