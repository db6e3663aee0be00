//! The small kit every page is built from, in the spirit of shadcn/ui:
//! semantic colours from CSS variables (see `input.css`), visible focus rings,
//! and labels tied to their inputs.

use dioxus::prelude::*;

use crate::i18n::Text;

const FOCUS: &str = "focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-2 focus-visible:ring-offset-background";

#[derive(Clone, Copy, PartialEq, Default)]
pub enum Variant {
    #[default]
    Primary,
    Outline,
    /// For signing out and other actions that end something.
    Danger,
}

#[component]
pub fn Button(
    #[props(default)] variant: Variant,
    #[props(default = "button")] r#type: &'static str,
    /// Shows a spinner and blocks further clicks while an action runs.
    #[props(default)]
    loading: bool,
    #[props(default)] class: String,
    onclick: Option<EventHandler<MouseEvent>>,
    children: Element,
) -> Element {
    let look = match variant {
        Variant::Primary => "bg-primary text-primary-foreground hover:bg-primary/90 shadow-sm",
        Variant::Outline => "border border-border bg-card hover:bg-muted",
        Variant::Danger => {
            "bg-destructive text-destructive-foreground hover:bg-destructive/90 shadow-sm"
        }
    };
    rsx! {
        button {
            r#type,
            class: "inline-flex items-center justify-center gap-2 rounded-md px-4 py-2 text-sm font-medium transition-colors disabled:pointer-events-none disabled:opacity-60 {FOCUS} {look} {class}",
            disabled: loading,
            aria_busy: loading,
            onclick: move |event| {
                if let Some(handler) = &onclick {
                    handler.call(event);
                }
            },
            if loading {
                span { class: "h-4 w-4 animate-spin rounded-full border-2 border-current border-t-transparent", aria_hidden: "true" }
            }
            {children}
        }
    }
}

#[component]
pub fn Label(r#for: String, children: Element) -> Element {
    rsx! {
        label { r#for, class: "text-sm font-medium leading-none", {children} }
    }
}

/// A text input whose value lives in `value`; `error` is shown beneath it and
/// announced to screen readers.
#[component]
pub fn Field(
    id: String,
    label: String,
    value: Signal<String>,
    #[props(default = "text")] r#type: &'static str,
    #[props(default)] autocomplete: &'static str,
    #[props(into, default)] hint: Option<String>,
    error: Option<String>,
) -> Element {
    let mut value = value;
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = match (&error, &hint) {
        (Some(_), _) => error_id.clone(),
        (None, Some(_)) => hint_id.clone(),
        (None, None) => String::new(),
    };
    let border = if error.is_some() {
        "border-destructive"
    } else {
        "border-input"
    };
    rsx! {
        div { class: "grid gap-2",
            Label { r#for: id.clone(), "{label}" }
            input {
                id: id.clone(),
                name: id,
                r#type,
                autocomplete,
                value: "{value}",
                aria_invalid: error.is_some(),
                aria_describedby: described,
                class: "flex h-10 w-full rounded-md border {border} bg-background px-3 py-2 text-sm placeholder:text-muted-foreground {FOCUS}",
                oninput: move |event| value.set(event.value()),
            }
            if let Some(error) = error.as_deref() {
                p { id: error_id, class: "text-sm text-destructive", role: "alert", "{error}" }
            } else if let Some(hint) = hint.as_deref() {
                p { id: hint_id, class: "text-xs text-muted-foreground", "{hint}" }
            }
        }
    }
}

/// A choice among a few options, each `(value, label)`, whose value lives in
/// `value`.
#[component]
pub fn SelectField(
    id: String,
    label: String,
    value: Signal<String>,
    options: Vec<(&'static str, String)>,
) -> Element {
    let mut value = value;
    rsx! {
        div { class: "grid gap-2",
            Label { r#for: id.clone(), "{label}" }
            select {
                id: id.clone(),
                name: id,
                class: "flex h-10 w-full rounded-md border border-input bg-background px-3 py-2 text-sm {FOCUS}",
                onchange: move |event| value.set(event.value()),
                for (option, text) in options {
                    option { key: "{option}", value: option, selected: value() == option, "{text}" }
                }
            }
        }
    }
}

#[component]
pub fn Checkbox(id: String, label: String, checked: Signal<bool>) -> Element {
    let mut checked = checked;
    let label_for = id.clone();
    rsx! {
        div { class: "flex items-center gap-2",
            input {
                id: id.clone(),
                name: id,
                r#type: "checkbox",
                checked: checked(),
                class: "h-4 w-4 rounded border-input accent-primary {FOCUS}",
                onchange: move |event| checked.set(event.checked()),
            }
            Label { r#for: label_for, "{label}" }
        }
    }
}

#[component]
pub fn Card(#[props(default)] class: String, children: Element) -> Element {
    rsx! {
        div { class: "rounded-xl border border-border bg-card text-card-foreground shadow-sm {class}", {children} }
    }
}

#[component]
pub fn Alert(children: Element) -> Element {
    rsx! {
        div {
            role: "alert",
            class: "rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive",
            {children}
        }
    }
}

/// Good news that stays on the page (toasts go away).
#[component]
pub fn Notice(#[props(default)] id: String, children: Element) -> Element {
    rsx! {
        div {
            id,
            role: "status",
            class: "rounded-md border border-primary/30 bg-primary/10 px-3 py-2 text-sm text-foreground",
            {children}
        }
    }
}

/// A small label beside a name ("This device", "Verified").
#[component]
pub fn Badge(#[props(default)] muted: bool, children: Element) -> Element {
    let look = if muted {
        "bg-muted text-muted-foreground"
    } else {
        "bg-primary/15 text-primary"
    };
    rsx! {
        span { class: "inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium {look}", {children} }
    }
}

/// Asks before an action that cannot be undone. Cancel, Escape or a click
/// beside it call `oncancel`; the parent decides whether it is shown.
#[component]
pub fn ConfirmDialog(
    title: String,
    body: String,
    confirm: String,
    cancel: String,
    #[props(default)] busy: bool,
    /// The confirming button's look: `Danger` for what cannot be undone.
    #[props(default = Variant::Danger)]
    tone: Variant,
    onconfirm: EventHandler<()>,
    oncancel: EventHandler<()>,
    /// Between the question and the buttons: a field the action needs, or
    /// why it failed.
    children: Element,
) -> Element {
    rsx! {
        div {
            class: "fixed inset-0 z-50 flex items-center justify-center p-4",
            onkeydown: move |event| {
                if event.key() == Key::Escape {
                    oncancel.call(());
                }
            },
            div { class: "absolute inset-0 bg-black/40", onclick: move |_| oncancel.call(()) }
            div {
                role: "alertdialog",
                aria_modal: "true",
                aria_labelledby: "confirm-title",
                aria_describedby: "confirm-body",
                class: "relative w-full max-w-sm rounded-xl border border-border bg-card p-6 text-card-foreground shadow-xl focus:outline-none",
                tabindex: "-1",
                // Focus moves in, so Escape works at once.
                onmounted: move |event| async move {
                    let _ = event.data().set_focus(true).await;
                },
                h2 { id: "confirm-title", class: "text-lg font-semibold", "{title}" }
                p { id: "confirm-body", class: "mt-2 text-sm text-muted-foreground", "{body}" }
                // A form, so that Enter in a field confirms.
                form {
                    class: "mt-4 grid gap-4",
                    novalidate: true,
                    onsubmit: move |event| {
                        event.prevent_default();
                        onconfirm.call(());
                    },
                    {children}
                    div { class: "mt-2 flex justify-end gap-2",
                        Button { variant: Variant::Outline, onclick: move |_| oncancel.call(()), "{cancel}" }
                        Button { variant: tone, r#type: "submit", loading: busy, "{confirm}" }
                    }
                }
            }
        }
    }
}

#[component]
pub fn Avatar(initials: String) -> Element {
    rsx! {
        span {
            class: "inline-flex h-9 w-9 items-center justify-center rounded-full bg-primary/15 text-sm font-semibold uppercase text-primary",
            aria_hidden: "true",
            "{initials}"
        }
    }
}

#[component]
pub fn Separator() -> Element {
    rsx! { div { role: "separator", class: "my-1 h-px bg-border" } }
}

/// A menu that opens under its trigger; Escape or a click outside closes it.
#[component]
pub fn DropdownMenu(label: String, trigger: Element, children: Element) -> Element {
    let mut open = use_signal(|| false);
    let mut trigger_element = use_signal(|| None::<std::rc::Rc<MountedData>>);
    rsx! {
        div {
            class: "relative",
            onkeydown: move |event| {
                if event.key() == Key::Escape && open() {
                    open.set(false);
                    // Back to the trigger, so the keyboard user is not lost.
                    if let Some(element) = trigger_element() {
                        spawn(async move {
                            let _ = element.set_focus(true).await;
                        });
                    }
                }
            },
            button {
                r#type: "button",
                class: "rounded-full {FOCUS}",
                onmounted: move |event| trigger_element.set(Some(event.data())),
                aria_label: label,
                aria_haspopup: "menu",
                aria_expanded: open(),
                onclick: move |_| open.toggle(),
                {trigger}
            }
            if open() {
                div { class: "fixed inset-0 z-40", onclick: move |_| open.set(false) }
                div {
                    role: "menu",
                    class: "absolute right-0 z-50 mt-2 w-64 rounded-md border border-border bg-card p-1 shadow-lg",
                    onclick: move |_| open.set(false),
                    {children}
                }
            }
        }
    }
}

#[component]
pub fn MenuItem(onclick: EventHandler<MouseEvent>, children: Element) -> Element {
    rsx! {
        button {
            r#type: "button",
            role: "menuitem",
            class: "flex w-full items-center gap-2 rounded-sm px-2 py-2 text-left text-sm hover:bg-muted {FOCUS}",
            onclick: move |event| onclick.call(event),
            {children}
        }
    }
}

/// A panel sliding in from the left, over a dimmed page (the sidebar on
/// narrow screens).
#[component]
pub fn Sheet(open: Signal<bool>, label: String, children: Element) -> Element {
    let mut open = open;
    if !open() {
        return rsx! {};
    }
    rsx! {
        div {
            class: "fixed inset-0 z-50 md:hidden",
            onkeydown: move |event| {
                if event.key() == Key::Escape {
                    open.set(false);
                }
            },
            div { class: "absolute inset-0 bg-black/40", onclick: move |_| open.set(false) }
            div {
                role: "dialog",
                aria_modal: "true",
                aria_label: label,
                class: "absolute inset-y-0 left-0 w-72 max-w-[85vw] border-r border-border bg-card shadow-xl focus:outline-none",
                // Focus moves into the dialog, so Escape (handled above) works at once.
                tabindex: "-1",
                onmounted: move |event| async move {
                    let _ = event.data().set_focus(true).await;
                },
                // Choosing a destination closes the drawer.
                onclick: move |_| open.set(false),
                {children}
            }
        }
    }
}

#[derive(Clone, PartialEq)]
pub struct Toast {
    id: u64,
    message: Text,
}

/// Short-lived messages in a corner; `push` from anywhere below the provider
/// ([`use_toasts`]).
#[derive(Clone, Copy)]
pub struct Toasts {
    list: Signal<Vec<Toast>>,
    next: Signal<u64>,
}

impl Toasts {
    pub fn new() -> Self {
        Self {
            list: Signal::new(Vec::new()),
            next: Signal::new(0),
        }
    }

    pub fn push(&self, message: Text) {
        let (mut list, mut next) = (self.list, self.next);
        let id = next();
        next += 1;
        list.write().push(Toast { id, message });
        // Not tied to the component that asked: it may be gone before the
        // toast is (a page that redirects after success).
        dioxus::core::spawn_forever(async move {
            gloo_timers::future::sleep(std::time::Duration::from_secs(4)).await;
            list.write().retain(|t| t.id != id);
        });
    }
}

pub fn use_toasts() -> Toasts {
    use_context()
}

#[component]
pub fn Toaster() -> Element {
    let toasts = use_toasts();
    rsx! {
        div {
            class: "pointer-events-none fixed bottom-4 right-4 z-[60] flex flex-col gap-2",
            role: "status",
            aria_live: "polite",
            for toast in toasts.list.read().iter() {
                div {
                    key: "{toast.id}",
                    class: "pointer-events-auto rounded-md border border-border bg-card px-4 py-3 text-sm shadow-lg",
                    {toast.message.show()}
                }
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
pub enum IconName {
    Menu,
    Home,
    Activity,
    Heart,
    Moon,
    Sun,
    Calendar,
    Settings,
    Logout,
    Globe,
    Droplet,
    Mail,
    Monitor,
    Check,
    Alert,
    Shield,
    Key,
    Smartphone,
}

/// Line icons (after Lucide), drawn with the current text colour.
#[component]
pub fn Icon(name: IconName, #[props(default = "h-5 w-5")] class: &'static str) -> Element {
    let d = match name {
        IconName::Menu => "M4 6h16M4 12h16M4 18h16",
        IconName::Home => "M3 10.5 12 3l9 7.5V20a1 1 0 0 1-1 1h-5v-6H9v6H4a1 1 0 0 1-1-1z",
        IconName::Activity => "M22 12h-4l-3 9L9 3l-3 9H2",
        IconName::Heart => {
            "M19 14c1.49-1.46 3-3.21 3-5.5A5.5 5.5 0 0 0 16.5 3c-1.76 0-3 .5-4.5 2-1.5-1.5-2.74-2-4.5-2A5.5 5.5 0 0 0 2 8.5c0 2.3 1.5 4.05 3 5.5l7 7Z"
        }
        IconName::Moon => "M12 3a6 6 0 0 0 9 9 9 9 0 1 1-9-9Z",
        IconName::Sun => {
            "M12 8a4 4 0 1 0 0 8a4 4 0 1 0 0-8M12 2v2M12 20v2M4.93 4.93l1.41 1.41M17.66 17.66l1.41 1.41M2 12h2M20 12h2M6.34 17.66l-1.41 1.41M19.07 4.93l-1.41 1.41"
        }
        IconName::Calendar => {
            "M8 2v4M16 2v4M3 10h18M5 4h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"
        }
        IconName::Settings => {
            "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19.4 15a1.65 1.65 0 0 0 .33 1.82l.06.06a2 2 0 1 1-2.83 2.83l-.06-.06a1.65 1.65 0 0 0-2.82 1.18V21a2 2 0 1 1-4 0v-.09a1.65 1.65 0 0 0-2.82-1.18l-.06.06a2 2 0 1 1-2.83-2.83l.06-.06A1.65 1.65 0 0 0 3.09 14H3a2 2 0 1 1 0-4h.09a1.65 1.65 0 0 0 1.18-2.82l-.06-.06a2 2 0 1 1 2.83-2.83l.06.06A1.65 1.65 0 0 0 10 3.09V3a2 2 0 1 1 4 0v.09a1.65 1.65 0 0 0 2.82 1.18l.06-.06a2 2 0 1 1 2.83 2.83l-.06.06A1.65 1.65 0 0 0 20.91 10H21a2 2 0 1 1 0 4h-.09a1.65 1.65 0 0 0-1.51 1z"
        }
        IconName::Logout => "M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9",
        IconName::Globe => {
            "M12 2a10 10 0 1 0 0 20a10 10 0 1 0 0-20M2 12h20M12 2a15.3 15.3 0 0 1 4 10 15.3 15.3 0 0 1-4 10 15.3 15.3 0 0 1-4-10 15.3 15.3 0 0 1 4-10z"
        }
        IconName::Droplet => {
            "M12 22a7 7 0 0 0 7-7c0-2-1-3.9-3-5.5s-3.5-4-4-6.5c-.5 2.5-2 4.9-4 6.5C6 11.1 5 13 5 15a7 7 0 0 0 7 7z"
        }
        IconName::Mail => {
            "M4 4h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zM22 6l-10 7L2 6"
        }
        IconName::Check => "M20 6 9 17l-5-5",
        IconName::Alert => "M12 2a10 10 0 1 0 0 20a10 10 0 1 0 0-20M12 8v4M12 16h.01",
        IconName::Shield => {
            "M20 13c0 5-3.5 7.5-7.66 8.95a1 1 0 0 1-.67-.01C7.5 20.5 4 18 4 13V6a1 1 0 0 1 1-1c2 0 4.5-1.2 6.24-2.72a1.17 1.17 0 0 1 1.52 0C14.51 3.81 17 5 19 5a1 1 0 0 1 1 1z"
        }
        IconName::Key => {
            "M2.586 17.414A2 2 0 0 0 2 18.828V21a1 1 0 0 0 1 1h3a1 1 0 0 0 1-1v-1a1 1 0 0 1 1-1h1a1 1 0 0 0 1-1v-1a1 1 0 0 1 1-1h.172a2 2 0 0 0 1.414-.586l.814-.814a6.5 6.5 0 1 0-4-4zM16.5 7.5h.01"
        }
        IconName::Smartphone => {
            "M7 2h10a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zM12 18h.01"
        }
        IconName::Monitor => {
            "M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zM8 21h8M12 17v4"
        }
    };
    rsx! {
        svg {
            class,
            view_box: "0 0 24 24",
            fill: "none",
            stroke: "currentColor",
            stroke_width: "2",
            stroke_linecap: "round",
            stroke_linejoin: "round",
            "aria-hidden": "true",
            path { d }
        }
    }
}
