"""boto3 against Keywarden with the operations that use key pairs for encryption and key agreement:
GenerateDataKeyPair(WithoutPlaintext) for every DataKeyPairSpec outside China, RSA Encrypt /
Decrypt / ReEncrypt, DeriveSharedSecret. Everything Keywarden hands out is checked with Python's
`cryptography`, an implementation of its own: the private key of a pair signs what its public key
verifies, RSA ciphertexts made here with a key's public key decrypt in Keywarden, and the shared
secret is what the peer derives from the other side.

Usage: kms_key_pair_encryption.py ENDPOINT FIXTURES.json, where the fixtures name keys the Node
test made (a symmetric key, an RSA_2048 encryption key, KEY_AGREEMENT keys on the NIST curves)
with their public keys (base64 DER)."""
import base64
import json
import sys
from concurrent.futures import ThreadPoolExecutor

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from kwtest import client, expect, key_arn, message, run

kms = client(sys.argv[1])
with open(sys.argv[2]) as f:
    fixtures = json.load(f)

SYMMETRIC = fixtures['symmetric']
RSA_KEY = fixtures['rsa2048']
CONTEXT = {'purpose': 'boto3 key pairs'}
SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519']
CURVES = {'ECC_NIST_P256': ec.SECP256R1, 'ECC_NIST_P384': ec.SECP384R1, 'ECC_NIST_P521': ec.SECP521R1, 'ECC_SECG_P256K1': ec.SECP256K1}
INCORRECT_KEY = 'The key ID in the request does not identify a CMK that can perform this operation.'


def spki(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def check_pair(spec, private_der, public_der):
    """The private key is PKCS #8 of the spec's type, its public key is the one returned, and what it signs the public key verifies."""
    private_key = serialization.load_der_private_key(private_der, password=None)
    public_key = serialization.load_der_public_key(public_der)
    assert spki(private_key.public_key()) == public_der, f'{spec}: PublicKey is not the private key\'s'
    assert private_der == private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), spec
    data = f'signed with a {spec} data key pair'.encode()
    if spec.startswith('RSA_'):
        assert isinstance(private_key, rsa.RSAPrivateKey) and private_key.key_size == int(spec[4:]), spec
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH)
        public_key.verify(private_key.sign(data, pss, hashes.SHA256()), data, pss, hashes.SHA256())
    elif spec == 'ECC_NIST_EDWARDS25519':
        assert isinstance(private_key, ed25519.Ed25519PrivateKey), spec
        public_key.verify(private_key.sign(data), data)
    else:
        assert isinstance(private_key, ec.EllipticCurvePrivateKey) and isinstance(private_key.curve, CURVES[spec]), spec
        public_key.verify(private_key.sign(data, ec.ECDSA(hashes.SHA256())), data, ec.ECDSA(hashes.SHA256()))


def data_key_pairs_every_spec():
    # In parallel: the server makes the RSA pairs on its thread pool, so RSA_4096 costs its second once.
    with ThreadPoolExecutor(len(SPECS)) as pool:
        answers = list(pool.map(lambda spec: kms.generate_data_key_pair(KeyId=SYMMETRIC, KeyPairSpec=spec, EncryptionContext=CONTEXT), SPECS))
    for spec, r in zip(SPECS, answers):
        assert r['KeyId'] == key_arn(SYMMETRIC), r['KeyId']
        assert r['KeyPairSpec'] == spec
        assert len(r['KeyMaterialId']) == 64
        check_pair(spec, r['PrivateKeyPlaintext'], r['PublicKey'])
        opened = kms.decrypt(CiphertextBlob=r['PrivateKeyCiphertextBlob'], EncryptionContext=CONTEXT)
        assert opened['Plaintext'] == r['PrivateKeyPlaintext'], f'{spec}: Decrypt of PrivateKeyCiphertextBlob is not the PKCS #8'
        assert opened['KeyId'] == key_arn(SYMMETRIC)
        expect(kms.exceptions.InvalidCiphertextException, kms.decrypt, CiphertextBlob=r['PrivateKeyCiphertextBlob'], EncryptionContext={'purpose': 'other'})
    assert len({r['PublicKey'] for r in answers}) == len(SPECS)


def data_key_pair_without_plaintext():
    r = kms.generate_data_key_pair_without_plaintext(KeyId=SYMMETRIC, KeyPairSpec='ECC_NIST_P384', EncryptionContext=CONTEXT)
    assert 'PrivateKeyPlaintext' not in r, sorted(r)
    assert r['KeyPairSpec'] == 'ECC_NIST_P384'
    private_der = kms.decrypt(CiphertextBlob=r['PrivateKeyCiphertextBlob'], EncryptionContext=CONTEXT)['Plaintext']
    check_pair('ECC_NIST_P384', private_der, r['PublicKey'])


def data_key_pair_errors():
    e = expect(kms.exceptions.InvalidKeyUsageException, kms.generate_data_key_pair, KeyId=RSA_KEY['keyId'], KeyPairSpec='ECC_NIST_P256')
    assert message(e) == 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.', message(e)
    expect(kms.exceptions.UnsupportedOperationException, kms.generate_data_key_pair, KeyId=SYMMETRIC, KeyPairSpec='SM2')
    e = expect(kms.exceptions.DryRunOperationException, kms.generate_data_key_pair_without_plaintext, KeyId=SYMMETRIC, KeyPairSpec='RSA_2048', DryRun=True)
    assert message(e) == 'The request would have succeeded, but the DryRun option is set.'


def rsa_encrypt_decrypt():
    key_id = RSA_KEY['keyId']
    public_key = serialization.load_der_public_key(base64.b64decode(RSA_KEY['publicKey']))
    secret = b'an RSA secret for boto3'
    for algorithm, digest in (('RSAES_OAEP_SHA_1', hashes.SHA1), ('RSAES_OAEP_SHA_256', hashes.SHA256)):
        r = kms.encrypt(KeyId=key_id, Plaintext=secret, EncryptionAlgorithm=algorithm)
        assert r['EncryptionAlgorithm'] == algorithm and r['KeyId'] == key_arn(key_id)
        assert len(r['CiphertextBlob']) == 256, len(r['CiphertextBlob'])
        d = kms.decrypt(CiphertextBlob=r['CiphertextBlob'], KeyId=key_id, EncryptionAlgorithm=algorithm)
        assert d['Plaintext'] == secret and d['EncryptionAlgorithm'] == algorithm and 'KeyMaterialId' not in d, d
        # A ciphertext made here, with nothing but the public key, decrypts in Keywarden.
        oaep = padding.OAEP(mgf=padding.MGF1(digest()), algorithm=digest(), label=None)
        local = public_key.encrypt(secret, oaep)
        assert kms.decrypt(CiphertextBlob=local, KeyId=key_arn(key_id), EncryptionAlgorithm=algorithm)['Plaintext'] == secret
    ciphertext = kms.encrypt(KeyId=key_id, Plaintext=secret, EncryptionAlgorithm='RSAES_OAEP_SHA_256')['CiphertextBlob']
    expect(kms.exceptions.InvalidCiphertextException, kms.decrypt, CiphertextBlob=ciphertext)
    expect(kms.exceptions.InvalidCiphertextException, kms.decrypt, CiphertextBlob=ciphertext, KeyId=key_id)
    e = expect(kms.exceptions.IncorrectKeyException, kms.decrypt, CiphertextBlob=ciphertext, KeyId=key_id, EncryptionAlgorithm='RSAES_OAEP_SHA_1')
    assert message(e) == INCORRECT_KEY, message(e)
    e = expect(kms.exceptions.InvalidKeyUsageException, kms.encrypt, KeyId=key_id, Plaintext=secret)
    assert message(e) == 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.', message(e)
    e = expect(kms.exceptions.ClientError, kms.encrypt, KeyId=key_id, Plaintext=b'x' * 191, EncryptionAlgorithm='RSAES_OAEP_SHA_256')
    assert e.response['Error']['Code'] == 'ValidationException'
    assert message(e) == 'Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes.', message(e)
    e = expect(kms.exceptions.ClientError, kms.encrypt, KeyId=key_id, Plaintext=secret, EncryptionAlgorithm='RSAES_OAEP_SHA_256', EncryptionContext=CONTEXT)
    assert e.response['Error']['Code'] == 'ValidationException', e.response


def re_encrypt_both_ways():
    secret = b'moved between key types'
    blob = kms.encrypt(KeyId=SYMMETRIC, Plaintext=secret, EncryptionContext=CONTEXT)['CiphertextBlob']
    to_rsa = kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext=CONTEXT, DestinationKeyId=RSA_KEY['keyId'], DestinationEncryptionAlgorithm='RSAES_OAEP_SHA_256')
    assert to_rsa['SourceEncryptionAlgorithm'] == 'SYMMETRIC_DEFAULT' and to_rsa['DestinationEncryptionAlgorithm'] == 'RSAES_OAEP_SHA_256', to_rsa
    assert 'SourceKeyMaterialId' in to_rsa and 'DestinationKeyMaterialId' not in to_rsa, sorted(to_rsa)
    back = kms.re_encrypt(
        CiphertextBlob=to_rsa['CiphertextBlob'],
        SourceKeyId=RSA_KEY['keyId'],
        SourceEncryptionAlgorithm='RSAES_OAEP_SHA_256',
        DestinationKeyId=SYMMETRIC,
        DestinationEncryptionContext={'stage': 'back'},
    )
    assert back['SourceKeyId'] == key_arn(RSA_KEY['keyId']) and back['KeyId'] == key_arn(SYMMETRIC), back
    assert back['SourceEncryptionAlgorithm'] == 'RSAES_OAEP_SHA_256' and 'SourceKeyMaterialId' not in back and 'DestinationKeyMaterialId' in back, back
    assert kms.decrypt(CiphertextBlob=back['CiphertextBlob'], EncryptionContext={'stage': 'back'})['Plaintext'] == secret


def derive_shared_secret():
    for spec, curve in (('ECC_NIST_P256', ec.SECP256R1), ('ECC_NIST_P384', ec.SECP384R1), ('ECC_NIST_P521', ec.SECP521R1)):
        key = fixtures['agreement'][spec]
        peer = ec.generate_private_key(curve())
        r = kms.derive_shared_secret(KeyId=key['keyId'], KeyAgreementAlgorithm='ECDH', PublicKey=spki(peer.public_key()))
        assert r['KeyId'] == key_arn(key['keyId']) and r['KeyAgreementAlgorithm'] == 'ECDH' and r['KeyOrigin'] == 'AWS_KMS', r
        theirs = peer.exchange(ec.ECDH(), serialization.load_der_public_key(base64.b64decode(key['publicKey'])))
        assert r['SharedSecret'] == theirs, f'{spec}: the two sides derived different secrets'
    p256 = fixtures['agreement']['ECC_NIST_P256']['keyId']
    e = expect(kms.exceptions.ClientError, kms.derive_shared_secret, KeyId=p256, KeyAgreementAlgorithm='ECDH', PublicKey=b'InvalidPublicKey')
    assert e.response['Error'] == {'Code': 'ValidationException', 'Message': ''}, e.response['Error']
    other_curve = spki(ec.generate_private_key(ec.SECP384R1()).public_key())
    e = expect(kms.exceptions.ClientError, kms.derive_shared_secret, KeyId=p256, KeyAgreementAlgorithm='ECDH', PublicKey=other_curve)
    assert e.response['Error']['Code'] == 'ValidationException'
    e = expect(kms.exceptions.InvalidKeyUsageException, kms.derive_shared_secret, KeyId=SYMMETRIC, KeyAgreementAlgorithm='ECDH', PublicKey=other_curve)
    assert message(e) == f'{key_arn(SYMMETRIC)} key usage is ENCRYPT_DECRYPT which is not valid for DeriveSharedSecret.', message(e)


run('kms_key_pair_encryption', [
    ('data_key_pairs_every_spec', data_key_pairs_every_spec),
    ('data_key_pair_without_plaintext', data_key_pair_without_plaintext),
    ('data_key_pair_errors', data_key_pair_errors),
    ('rsa_encrypt_decrypt', rsa_encrypt_decrypt),
    ('re_encrypt_both_ways', re_encrypt_both_ways),
    ('derive_shared_secret', derive_shared_secret),
], keep_going=True)
