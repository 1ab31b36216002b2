#pragma once
// The site client (docs/site-protocol.md), all of it: company lookup, account application,
// certificate binding and certificate login, with the challenge signed through the card
// (PKCS#11) or the local signing component (the browser's path). Used by `certwiz apply
// --submit`, `certwiz bind`, `certwiz login-test` and the wizard's binding and test-login
// pages. Nothing here prints. Include the part you need:
//   answers.h       the site's answers, parsed (pure; fuzzed)
//   session.h       SiteClient: HTTPS, cookies, one call per endpoint; the client's profile
//   signers.h       the card and local-component signers, and make_signers for every front end
//   paths.h         bind / login through one signer or through each path, and the verdict
//   form_adapter.h  the application form's lookup and submit over the client
//
// The PIN goes to the card or to the local signing component only; no request to the
// site ever carries it.
#include "checks/site/answers.h"
#include "checks/site/form_adapter.h"
#include "checks/site/paths.h"
#include "checks/site/session.h"
#include "checks/site/signers.h"
