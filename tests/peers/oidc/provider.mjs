// A real OpenID provider for the sign-in browser tests: oidc-provider with one client and one
// account, on 127.0.0.1. Its development login form (any login, any password) and consent
// screen are what Chromium goes through.
//   node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI SUBJECT EMAIL
// (sign in on the form with SUBJECT as the login, any password)
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri, subject, email] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // the one account: the development login form's "login" is its subject
  findAccount: async (ctx, id) => (id === subject ? {
    accountId: subject,
    claims: async () => ({ sub: subject, email, email_verified: true, name: '张三明' }),
  } : undefined),
  pkce: { required: () => false },
  // the e-mail in the ID token itself, where Streamlit's st.user reads it
  conformIdTokenClaims: false,
});
provider.proxy = false;
provider.on('server_error', (ctx, error) => console.error('server_error', error));
provider.listen(Number(port), '127.0.0.1', () => console.log(`oidc provider ready ${issuer}`));
