// @peculiar/x509 with Node's WebCrypto as its provider, for the modules that build or read
// certificates and CSRs. It loads a few hundred modules (tsyringe and the ASN.1 schemas), about a
// quarter of a second at start-up that most runs never need: its users import this module when
// they first make or check a certificate (`await import('../core/x509.js')`), not at start.

// @peculiar/x509 loads tsyringe, which needs the Reflect metadata API at load time: this import
// must stay before the library's (ES modules evaluate their imports in order).
import 'reflect-metadata';
import * as X509 from '@peculiar/x509';

X509.cryptoProvider.set(globalThis.crypto);

export { X509 as x509 };
