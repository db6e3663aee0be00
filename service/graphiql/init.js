// Boots GraphiQL against this service. Kept out of index.html so the page needs
// no inline script and works under a strict `script-src 'self'` CSP.
(function () {
  'use strict';

  // Styles are set through the DOM rather than a <style> block so that a
  // strict `style-src` policy does not break the full-height layout.
  Object.assign(document.body.style, { margin: '0', overflow: 'hidden' });
  var container = document.getElementById('graphiql');
  container.style.height = '100vh';

  // A first visit opens on a runnable tour of the API. Pick an operation with
  // the run button's menu; paste tokens from the replies where needed.
  var DEFAULT_QUERY = [
    '# Auth service API. Run an operation from the ▶ menu.',
    '# `me` and admin fields need "Authorization: Bearer <accessToken>" (Headers tab).',
    '',
    'mutation Register {',
    '  register(input: { email: "ada@example.org", username: "ada", password: "correct horse battery", fullName: "Ada Lovelace" }) {',
    '    user { id email username role }',
    '    accessToken',
    '    refreshToken',
    '  }',
    '}',
    '',
    'mutation Login {',
    '  login(input: { email: "ada@example.org", password: "correct horse battery", rememberMe: true }) {',
    '    user { id email }',
    '    accessToken',
    '    refreshToken',
    '  }',
    '}',
    '',
    'query Me {',
    '  me { id email username fullName role createdAt }',
    '}',
    '',
    'mutation Refresh {',
    '  refreshToken(refreshToken: "<refreshToken>") { accessToken refreshToken }',
    '}',
    '',
    'mutation Logout {',
    '  logout(refreshToken: "<refreshToken>")',
    '}',
    '',
  ].join('\n');

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
      defaultHeaders: '{\n  "Authorization": "Bearer <accessToken from register or login>"\n}',
      defaultQuery: DEFAULT_QUERY,
    }),
  );
})();
