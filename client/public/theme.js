// Runs before the app and the stylesheet: applies the stored theme and
// language (or, on a first visit, the browser's) so the first paint is right.
// The app keeps both in localStorage under "ui" (see src/state.rs).
(function () {
  var ui = null;
  try {
    ui = JSON.parse(localStorage.getItem('ui'));
  } catch (e) {}
  var dark = ui
    ? ui.theme === 'dark'
    : window.matchMedia('(prefers-color-scheme: dark)').matches;
  var root = document.documentElement;
  root.classList.toggle('dark', dark);
  var language = ui ? ui.language : navigator.language || 'en';
  root.lang = /^ru/i.test(language) ? 'ru' : 'en';
})();
