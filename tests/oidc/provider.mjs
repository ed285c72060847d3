// An independent OpenID provider on loopback for samband's tests, built on the certified
// npm `oidc-provider` (pinned in package-lock.json; `scripts/bootstrap` runs `npm ci`).
//
//   node tests/oidc/provider.mjs CONFIG.json
//
// tests/support/oidc_harness.py writes CONFIG.json and starts this; it prints one line
// `READY <issuer>` on stdout once it listens. The config (all but `profile` optional):
//
//   {"profile": "idporten" | "helseid" | "nav" | "generic",
//    "host": "127.0.0.1", "port": 0,
//    "accounts": [{"id": "hansen", "password": "test", "claims": {"pid": "…", "name": "…"}}],
//    "clients": [{"client_id": "…", "client_secret": "…" | null, "redirect_uris": […],
//                 "post_logout_redirect_uris": […], "grant_types": […], …more client metadata}],
//    "resources": {"https://samband.example/api": {"audience": "samband-api", "scope": "…"}},
//    "default_resource": null,        // resource to use when the client names none
//    "access_token_ttl": 600}
//
// Profiles, as far as samband cares:
//  - idporten: pairwise `sub` (per client_id; public for device-flow clients), `pid` (national id) and `acr`
//    (idporten-loa-substantial via "MinID" or idporten-loa-high via "BankID", chosen on
//    the sign-in form), in the ID token and in JWT access tokens.
//  - helseid: `helseid://claims/identity/pid`, `helseid://claims/hpr/hpr_number`,
//    `helseid://claims/identity/security_level` ("3" or "4", chosen on the form) and
//    `…/assurance_level`, each released by its helseid:// scope; the same claims ride in
//    the access token, as HelseID does for an API.
//  - nav: `NAVident` (the Entra ID optional claim NAV uses), also in access tokens.
//  - generic: public `sub` = the account id, standard profile/email claims.
// Everything: authorization code + PKCE (S256, required for public clients), JWT access
// tokens (RFC 9068) for a resource indicator (RFC 8707; aud = the resource, or the
// configured audience), RP-initiated logout, device authorization grant.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { URL } from 'node:url';

import Provider, { errors, interactionPolicy } from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const profileName = config.profile || 'generic';

const HELSEID_CLAIMS = {
  'helseid://scopes/identity/pid': ['helseid://claims/identity/pid'],
  'helseid://scopes/identity/pid_pseudonym': ['helseid://claims/identity/pid_pseudonym'],
  'helseid://scopes/hpr/hpr_number': ['helseid://claims/hpr/hpr_number'],
  'helseid://scopes/identity/security_level': ['helseid://claims/identity/security_level'],
  'helseid://scopes/identity/assurance_level': ['helseid://claims/identity/assurance_level'],
  'helseid://scopes/identity/network': ['helseid://claims/identity/network'],
};

// levels: what the sign-in form offers, lowest first. Each sets the session's acr/amr;
// `claims` are claims the level itself adds (HelseID's security level).
const PROFILES = {
  idporten: {
    label: 'ID-porten (test)',
    subjectType: 'pairwise',
    claims: { openid: ['sub', 'pid', 'locale', 'acr', 'amr'], profile: ['name', 'given_name', 'family_name'] },
    tokenClaims: ['pid'],
    acrInAccessToken: true,
    levels: [
      { value: 'idporten-loa-substantial', label: 'MinID (idporten-loa-substantial)', acr: 'idporten-loa-substantial', amr: ['Minid-PIN'] },
      { value: 'idporten-loa-high', label: 'BankID (idporten-loa-high)', acr: 'idporten-loa-high', amr: ['BankID'] },
    ],
  },
  helseid: {
    label: 'HelseID (test)',
    subjectType: 'public',
    claims: { openid: ['sub', 'amr'], profile: ['name', 'given_name', 'middle_name', 'family_name'], ...HELSEID_CLAIMS },
    tokenClaims: [
      'helseid://claims/identity/pid', 'helseid://claims/hpr/hpr_number',
      'helseid://claims/identity/security_level', 'helseid://claims/identity/assurance_level',
    ],
    acrInAccessToken: false,
    levels: [
      { value: '3', label: 'MinID (sikkerhetsnivå 3)', amr: ['pwd', 'Minid-PIN'], claims: { 'helseid://claims/identity/security_level': '3', 'helseid://claims/identity/assurance_level': 'substantial' } },
      { value: '4', label: 'BankID (sikkerhetsnivå 4)', amr: ['pwd', 'BankID'], claims: { 'helseid://claims/identity/security_level': '4', 'helseid://claims/identity/assurance_level': 'high' } },
    ],
  },
  nav: {
    label: 'NAV (test)',
    subjectType: 'public',
    claims: { openid: ['sub', 'NAVident'], profile: ['name', 'given_name', 'family_name', 'preferred_username'], email: ['email'] },
    tokenClaims: ['NAVident', 'name', 'preferred_username'],
    acrInAccessToken: false,
    levels: [{ value: 'pwd', label: 'Passord', amr: ['pwd'] }],
  },
  generic: {
    label: 'OpenID (test)',
    subjectType: 'public',
    claims: { openid: ['sub'], profile: ['name', 'given_name', 'family_name', 'preferred_username'], email: ['email', 'email_verified'] },
    tokenClaims: [],
    acrInAccessToken: false,
    levels: [{ value: 'pwd', label: 'Passord', amr: ['pwd'] }],
  },
};
const profile = PROFILES[profileName];
if (!profile) {
  console.error(`unknown profile ${profileName}: one of ${Object.keys(PROFILES).join(', ')}`);
  process.exit(2);
}

const accounts = new Map((config.accounts || []).map((a) => [String(a.id), a]));
const pairwiseSalt = crypto.randomBytes(16).toString('hex');

function levelFor(amr) {
  // The level a session was signed in at, recovered from its amr (HelseID has no acr of
  // ours to carry it): the last level whose methods all appear.
  const methods = new Set(amr || []);
  let found;
  for (const level of profile.levels) {
    if (level.amr.every((m) => methods.has(m))) found = level;
  }
  return found;
}

function accountClaims(account, token) {
  const level = levelFor(token?.amr);
  return { ...account.claims, ...(level?.claims || {}), sub: account.id };
}

function findByLogin(login) {
  const wanted = String(login || '').trim();
  if (accounts.has(wanted)) return accounts.get(wanted);
  // ID-porten's and HelseID's test users sign in with their national id.
  for (const account of accounts.values()) {
    const claims = account.claims || {};
    if (claims.pid === wanted || claims['helseid://claims/identity/pid'] === wanted) return account;
  }
  return undefined;
}

function clientMetadata(c) {
  const { client_secret: secret, ...rest } = c;
  const meta = {
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...rest,
  };
  if (!meta.response_types.length) delete meta.response_types;
  if (secret) {
    meta.client_secret = secret;
    meta.token_endpoint_auth_method = meta.token_endpoint_auth_method || 'client_secret_basic';
  } else {
    meta.token_endpoint_auth_method = 'none';
  }
  if (!meta.subject_type) {
    // oidc-provider allows pairwise device-flow clients only with private_key_jwt: a
    // public CLI client that may use the device grant gets the public sub (samband links
    // ID-porten people by pid anyway).
    const device = meta.grant_types.includes('urn:ietf:params:oauth:grant-type:device_code');
    meta.subject_type = device ? 'public' : profile.subjectType;
  }
  return meta;
}

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };

const resources = config.resources || null;
const extraScopes = new Set([...(config.scopes || []), ...Object.keys(profile.claims).filter((s) => s !== 'openid')]);

function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[ch]));
}

function page(title, body) {
  return `<!doctype html><html lang="nb"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title></head><body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

function loginPage(uid, params, error, login) {
  const wanted = String(params.acr_values || '').split(' ').filter(Boolean);
  const fallback = profile.levels[profile.levels.length - 1].value;
  const chosen = profile.levels.find((l) => wanted.includes(l.acr || l.value))?.value || fallback;
  const options = profile.levels.map((l) => `<option value="${esc(l.value)}"${l.value === chosen ? ' selected' : ''}>${esc(l.label)}</option>`).join('');
  return page(`Logg inn – ${profile.label}`, `
<p>Tjeneste: <strong id="client">${esc(params.client_id)}</strong></p>
${error ? `<p id="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<p><label for="login">Bruker-id eller fødselsnummer</label><br><input id="login" name="login" value="${esc(login || '')}" required></p>
<p><label for="password">Passord</label><br><input id="password" name="password" type="password" required></p>
<p><label for="level">Innloggingsmetode</label><br><select id="level" name="level">${options}</select></p>
<p><button id="submit" type="submit">Logg inn</button></p>
</form>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

// Step-up, as ID-porten does it: asking for a higher acr than the session was signed in
// at (acr_values) shows the sign-in form again instead of answering with the old level.
const policy = interactionPolicy.base();
policy.get('login').checks.add(new interactionPolicy.Check(
  'acr_below_requested',
  'the session was signed in at a lower level than acr_values asks for',
  (ctx) => {
    const { oidc } = ctx;
    const ranks = profile.levels.map((l) => l.acr).filter(Boolean);
    const wanted = String(oidc.params.acr_values || '').split(' ').map((v) => ranks.indexOf(v)).filter((i) => i >= 0);
    if (!wanted.length || !oidc.session.accountId) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    return ranks.indexOf(oidc.session.acr) < Math.min(...wanted)
      ? interactionPolicy.Check.REQUEST_PROMPT
      : interactionPolicy.Check.NO_NEED_TO_PROMPT;
  },
));

let provider;

async function interaction(req, res, url) {
  const [, , uid, action] = url.pathname.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    send(res, 400, page('Feil', '<p>Ukjent innlogging.</p>'));
    return;
  }
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    if (req.method === 'GET' && !action) {
      send(res, 200, loginPage(uid, params));
      return;
    }
    if (req.method === 'POST' && action === 'login') {
      const form = await readForm(req);
      const account = findByLogin(form.get('login'));
      const password = account ? (account.password ?? config.password ?? 'test') : null;
      const level = profile.levels.find((l) => l.value === form.get('level'));
      if (!account || form.get('password') !== password || !level) {
        send(res, 200, loginPage(uid, params, 'Feil bruker-id eller passord.', form.get('login')));
        return;
      }
      await provider.interactionFinished(req, res, {
        login: { accountId: account.id, acr: level.acr, amr: level.amr, remember: true },
      }, { mergeWithLastSubmission: false });
      return;
    }
  }
  if (prompt.name === 'consent') {
    // A test provider: consent is given on the person's behalf, for exactly what was asked.
    const { grantId } = details;
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const saved = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId: saved } }, { mergeWithLastSubmission: true });
    return;
  }
  send(res, 400, page('Feil', `<p>Uventet steg: ${esc(prompt.name)}</p>`));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://placeholder');
  if (url.pathname.startsWith('/interaction/')) {
    interaction(req, res, url).catch((err) => {
      console.error(err);
      if (!res.headersSent) send(res, 400, page('Feil', `<p id="error">${esc(err.message)}</p>`));
    });
    return;
  }
  provider.callback()(req, res);
});

server.listen(config.port || 0, config.host || '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://${config.host || '127.0.0.1'}:${port}`;
  provider = new Provider(issuer, {
    clients: (config.clients || []).map(clientMetadata),
    jwks: { keys: [signingJwk] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    claims: profile.claims,
    scopes: ['openid', 'offline_access', ...extraScopes],
    subjectTypes: ['public', 'pairwise'],
    acrValues: profile.levels.map((l) => l.acr).filter(Boolean),
    conformIdTokenClaims: false, // the ID token carries the claims its scopes release, as ID-porten's and HelseID's do
    pairwiseIdentifier: async (ctx, accountId, client) => crypto.createHash('sha256')
      .update(`${client.clientId}\0${accountId}\0${pairwiseSalt}`).digest('base64url'),
    pkce: { methods: ['S256'], required: () => true },
    async findAccount(ctx, id, token) {
      const account = accounts.get(String(id));
      if (!account) return undefined;
      return {
        accountId: account.id,
        async claims() { return accountClaims(account, token); },
      };
    },
    async extraTokenClaims(ctx, token) {
      if (token.kind !== 'AccessToken' || !token.resourceServer || !token.accountId) return undefined;
      const account = accounts.get(String(token.accountId));
      if (!account) return undefined;
      // v8 access tokens keep no acr/amr of their own: take them from what was exchanged.
      const { entities } = ctx.oidc;
      const source = entities.AuthorizationCode || entities.DeviceCode || entities.RefreshToken
        || entities.BackchannelAuthenticationRequest || token;
      const claims = accountClaims(account, source);
      const extra = {};
      for (const name of profile.tokenClaims) {
        if (claims[name] !== undefined) extra[name] = claims[name];
      }
      if (profile.acrInAccessToken && source.acr) extra.acr = source.acr;
      if (source.amr) extra.amr = source.amr;
      return extra;
    },
    interactions: { policy, url: async (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      claimsParameter: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          // Sign out at once, as ID-porten does: the form posts itself (a button for
          // clients without JavaScript).
          ctx.body = page('Logger ut', `${form}
<p><button id="logout" type="submit" form="op.logoutForm" name="logout" value="yes">Logg ut</button></p>
<script>var f=document.getElementById('op.logoutForm');var i=document.createElement('input');i.type='hidden';i.name='logout';i.value='yes';f.appendChild(i);f.submit();</script>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Du er logget ut', '<p id="signed-out">Du er logget ut.</p>');
        },
      },
      resourceIndicators: {
        enabled: true,
        async defaultResource(ctx, client, oneOf) {
          if (oneOf) return oneOf;
          return config.default_resource || undefined;
        },
        async useGrantedResource() { return true; },
        async getResourceServerInfo(ctx, indicator) {
          let entry = {};
          if (resources) {
            if (!Object.hasOwn(resources, indicator)) throw new errors.InvalidTarget('unknown resource');
            entry = resources[indicator] || {};
          }
          return {
            scope: entry.scope ?? [...extraScopes].join(' '),
            audience: entry.audience || indicator,
            accessTokenFormat: 'jwt',
            accessTokenTTL: config.access_token_ttl || 600,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ttl: {
      AccessToken: () => config.access_token_ttl || 600,
      AuthorizationCode: 60,
      DeviceCode: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 3600,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Feil', Object.entries(out).map(([k, v]) => `<p><strong>${esc(k)}</strong>: <span class="${esc(k)}">${esc(v)}</span></p>`).join(''));
    },
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  process.stdout.write(`READY ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
  });
}
