//! Lists that load a page at a time: the first page whenever what it depends
//! on changes, then "Load more" from where the last one ended.

use std::future::Future;

use crate::t;
use dioxus::prelude::*;

use crate::api::{ApiError, Page};
use crate::components::{Alert, Button, Variant};

/// A list being loaded page by page; `items` may be edited in place (a row
/// changed or removed by an action).
pub struct Pager<T: 'static> {
    pub items: Signal<Vec<T>>,
    /// Where the next page starts; `None` once the last one is in.
    next: Signal<Option<String>>,
    loading: Signal<bool>,
    failure: Signal<Option<ApiError>>,
    load_more: Callback<()>,
}

impl<T> Clone for Pager<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Pager<T> {}

impl<T> PartialEq for Pager<T> {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

/// Loads the first page of `fetch(query, None)` now and again whenever the
/// `query` memo changes, and the next ones on `load_more`. A page that
/// arrives after the query changed is dropped.
pub fn use_pager<Q, T, F, Fut>(query: Memo<Q>, fetch: F) -> Pager<T>
where
    Q: Clone + PartialEq + 'static,
    T: 'static,
    F: Fn(Q, Option<String>) -> Fut + Copy + 'static,
    Fut: Future<Output = Result<Page<T>, ApiError>> + 'static,
{
    let mut items = use_signal(Vec::new);
    let mut next = use_signal(|| None::<String>);
    let mut loading = use_signal(|| true);
    let mut failure = use_signal(|| None::<ApiError>);
    // Bumped with every new query, so that a late page of the old one is
    // not appended to the new list.
    let mut generation = use_signal(|| 0u32);

    // Only `query` is read here, so only it restarts the first page (and
    // restarting drops the request in flight).
    let _first = use_resource(move || async move {
        let query = query();
        generation += 1;
        loading.set(true);
        failure.set(None);
        let page = fetch(query, None).await;
        match page {
            Ok(page) => {
                items.set(page.items);
                next.set(page.next);
            }
            Err(error) => {
                items.set(Vec::new());
                next.set(None);
                failure.set(Some(error));
            }
        }
        loading.set(false);
    });

    let load_more = use_callback(move |()| {
        let Some(cursor) = next.peek().clone() else {
            return;
        };
        if *loading.peek() {
            return;
        }
        let asked = *generation.peek();
        let query = query.peek().clone();
        loading.set(true);
        failure.set(None);
        spawn(async move {
            let page = fetch(query, Some(cursor)).await;
            if *generation.peek() != asked {
                return;
            }
            match page {
                Ok(page) => {
                    items.write().extend(page.items);
                    next.set(page.next);
                }
                Err(error) => failure.set(Some(error)),
            }
            loading.set(false);
        });
    });

    Pager {
        items,
        next,
        loading,
        failure,
        load_more,
    }
}

impl<T> Pager<T> {
    /// Whether a page is on its way.
    pub fn loading(&self) -> bool {
        (self.loading)()
    }

    pub fn failure(&self) -> Option<ApiError> {
        (self.failure)()
    }
}

/// Under a paged list: what went wrong, and "Load more" while there is more.
#[component]
pub fn LoadMore<T: Clone + PartialEq + 'static>(pager: Pager<T>) -> Element {
    let more = (pager.next)().is_some();
    rsx! {
        if let Some(error) = pager.failure() {
            div { class: "mt-4", Alert { {t!(error.message_id())} } }
        }
        if more {
            div { class: "mt-4 flex justify-center",
                Button { variant: Variant::Outline, loading: pager.loading(), onclick: move |_| pager.load_more.call(()),
                    {t!("list-load-more")}
                }
            }
        }
    }
}

/// `source` once it has stayed the same for `ms` milliseconds: a search box
/// asks the service when the typing pauses, not at every key.
pub fn use_debounced<T: Clone + PartialEq + 'static>(source: Signal<T>, ms: u64) -> Memo<T> {
    let mut settled = use_signal(|| source.peek().clone());
    use_effect(move || {
        let value = source();
        spawn(async move {
            gloo_timers::future::sleep(std::time::Duration::from_millis(ms)).await;
            if *source.peek() == value {
                settled.set(value);
            }
        });
    });
    use_memo(move || settled.cloned())
}
