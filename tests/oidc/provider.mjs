// The OpenID Connect provider Kring's single sign-on tests sign in against (tests/oidc_provider.py
// starts it): the certified `oidc-provider` package with one confidential client, a few people with
// groups, and its development login form (any password). Never part of a deployment.
//
// Environment: OIDC_PORT, KRING_URL (the Kring server whose callback and sign-out page are allowed).
// Two test-only hooks, reached on this provider's own port:
//   POST /test/groups?account=<id>&groups=a,b  changes the groups a person has from now on
//   POST /test/clock?skew=<seconds>            issues tokens as if the clock were that far off

import http from 'node:http'

import Provider from 'oidc-provider'

const port = Number(process.env.OIDC_PORT)
const kring = process.env.KRING_URL
const issuer = `http://127.0.0.1:${port}`

const people = {
  alice: { name: 'Alice Admin', groups: ['kring-admins', 'kring-facilitators', 'team-noord'] },
  bob: { name: 'Bob Begeleider', groups: ['kring-facilitators', 'team-noord', 'team-zuid'] },
  carol: { name: 'Carol Comms', groups: ['marketing'] },
  dave: { name: 'Dave Dijk', groups: ['kring-facilitators'] }
}

let skewSeconds = 0
const realNow = Date.now.bind(Date)

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'kring',
    client_secret: 'kring-test-secret',
    redirect_uris: [`${kring}/auth/oidc/callback`],
    post_logout_redirect_uris: [`${kring}/login`],
    grant_types: ['authorization_code'],
    response_types: ['code']
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups']
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  // Groups, name and e-mail in the ID token itself, as Entra ID and Keycloak can be set up to do.
  conformIdTokenClaims: false,
  cookies: { keys: ['kring-test-provider-cookie-key'] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount (ctx, id) {
    const person = people[id]
    if (!person) return undefined
    return {
      accountId: id,
      async claims () {
        return {
          sub: id,
          email: `${id}@example.org`,
          email_verified: true,
          name: person.name,
          groups: [...person.groups]
        }
      }
    }
  },
  // No consent screen: an organisation's own application is trusted by its provider.
  async loadExistingGrant (ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId
    })
    grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '))
    await grant.save()
    return grant
  }
})

provider.use(async (ctx, next) => {
  if (ctx.method === 'POST' && ctx.path === '/test/groups') {
    const person = people[ctx.query.account]
    if (!person) ctx.throw(404)
    person.groups = String(ctx.query.groups || '').split(',').filter(Boolean)
    ctx.status = 204
    return
  }
  if (ctx.method === 'POST' && ctx.path === '/test/clock') {
    skewSeconds = Number(ctx.query.skew || 0)
    ctx.status = 204
    return
  }
  // Only tokens are issued on the skewed clock: the login form's own cookies stay valid.
  if (ctx.path === '/token' && skewSeconds) {
    Date.now = () => realNow() + skewSeconds * 1000
    try {
      await next()
    } finally {
      Date.now = realNow
    }
    return
  }
  await next()
})

const server = http.createServer(provider.callback())
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`)
})

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)))
}
