// A real OpenID provider for tekisei's SSO tests: the certified `oidc-provider` package
// with its development login page (any password; the login is the account id).
//
//   node provider.mjs <port>
//
// Accounts are those below. POST /_test/configure with a JSON body
// {"clients": [...], "rotate": true} rebuilds the provider with those clients and, with
// "rotate", a fresh signing key (a new `kid`): the tests' key rotation.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const issuer = `http://127.0.0.1:${port}`;

const ACCOUNTS = {
  'alice@acme.example': { email_verified: true, groups: ['governance-admins'], name: 'Alice' },
  'bob@acme.example': { email_verified: true, groups: ['staff'], name: 'Bob' },
  'carol@acme.example': { email_verified: true, groups: [], name: 'Carol' },
  'eve@elsewhere.example': { email_verified: true, groups: [], name: 'Eve' },
  'mallory@acme.example': { email_verified: false, groups: [], name: 'Mallory' },
};

function newKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
}

let key = newKey();
let clients = [];
let handler = null;

function build() {
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [key] },
    pkce: { required: () => true },
    // Groups come with the profile scope (the scopes tekisei asks for: openid email profile).
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
    scopes: ['openid', 'email', 'profile'],
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    cookies: { keys: ['tekisei-test-cookie-key'] },
    ttl: { IdToken: 300, AccessToken: 300, AuthorizationCode: 60, Interaction: 600, Session: 600, Grant: 600 },
    async findAccount(ctx, sub) {
      const found = ACCOUNTS[sub];
      if (!found) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, email: sub, ...found };
        },
      };
    },
    // First-party clients: no consent page.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      grant.addOIDCClaims(['email', 'email_verified', 'name', 'groups']);
      await grant.save();
      return grant;
    },
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  handler = provider.callback();
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

build();
createServer(async (req, res) => {
  if (req.method === 'POST' && req.url === '/_test/configure') {
    const body = await readBody(req);
    if (body.clients) clients = body.clients;
    if (body.rotate) key = newKey();
    build();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kid: key.kid }));
    return;
  }
  handler(req, res);
}).listen(port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
