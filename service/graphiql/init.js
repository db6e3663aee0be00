// Boots GraphiQL against this service. Kept out of index.html so the page needs
// no inline script and works under a strict `script-src 'self'` CSP.
(function () {
  'use strict';

  // Styles are set through the DOM rather than a <style> block so that a
  // strict `style-src` policy does not break the full-height layout.
  Object.assign(document.body.style, { margin: '0', overflow: 'hidden' });
  var container = document.getElementById('graphiql');
  container.style.height = '100vh';

  var wsScheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({
    url: location.origin + '/graphql',
    subscriptionUrl: wsScheme + '//' + location.host + '/graphql/ws',
  });

  ReactDOM.createRoot(container).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      // Most operations of an auth service need an `Authorization` header,
      // so open the headers editor instead of the variables one.
      defaultEditorToolsVisibility: 'headers',
    }),
  );
})();
