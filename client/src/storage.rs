//! localStorage is shared by every tab of this origin; the `storage` event is
//! how one tab learns what another wrote, so that all of them show the same
//! session and settings.

use wasm_bindgen::{JsCast, closure::Closure};

/// Calls `handler` with each key another tab changes (`None` when it cleared
/// the whole storage), for as long as the page lives.
pub fn on_other_tab_change(mut handler: impl FnMut(Option<&str>) + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let listener =
        Closure::<dyn FnMut(web_sys::StorageEvent)>::new(move |event: web_sys::StorageEvent| {
            handler(event.key().as_deref())
        });
    let _ = window.add_event_listener_with_callback("storage", listener.as_ref().unchecked_ref());
    // The page never stops listening, so the closure must never be freed.
    listener.forget();
}
