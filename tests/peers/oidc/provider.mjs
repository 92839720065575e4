// A real OpenID provider for the sign-in browser tests: oidc-provider with one client and one
// account, on 127.0.0.1. Its development login form (any login, any password) and consent
// screen are what Chromium goes through.
//   node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI SUBJECT EMAIL
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
  // whatever login is typed into the form, it is this one account
  findAccount: async () => ({
    accountId: subject,
    claims: async () => ({ sub: subject, email, email_verified: true, name: '张三明' }),
  }),
  pkce: { required: () => false },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => console.log(`oidc provider ready ${issuer}`));
