"""Every KMS key type through boto3: keys of every key spec and usage, their metadata and public
keys, Sign and Verify with every signing algorithm and message type, GenerateMac and VerifyMac.
Each signature is also verified outside Keywarden, from the GetPublicKey answer alone, with
Python's cryptography (RSA, ECDSA, Ed25519, ML-DSA) or, for Ed25519ph, which no installed library
verifies, with the plain-Python RFC 8032 verifier in ed25519ph.py. Every answer is checked against
botocore's output shape (shapes.py). Usage: python3 kms_key_types.py <endpoint>"""
import hashlib
import sys
from concurrent.futures import ThreadPoolExecutor

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, padding, rsa, utils

import ed25519ph
import shapes
from kwtest import client, expect, expect_code, message, run, status

endpoint = sys.argv[1]
kms = shapes.watch(client(endpoint))
china = shapes.watch(client(endpoint, region='cn-north-1'))
X = kms.exceptions

RSA_SIGNING = ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512',
               'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512']
RSA_ENCRYPTION = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']
# (spec, usage) -> the one algorithm list KeyMetadata and GetPublicKey carry, as AWS documents it.
VALID = {
    ('SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT'): ('EncryptionAlgorithms', ['SYMMETRIC_DEFAULT']),
    **{(f'RSA_{n}', 'ENCRYPT_DECRYPT'): ('EncryptionAlgorithms', RSA_ENCRYPTION) for n in (2048, 3072, 4096)},
    **{(f'RSA_{n}', 'SIGN_VERIFY'): ('SigningAlgorithms', RSA_SIGNING) for n in (2048, 3072, 4096)},
    ('ECC_NIST_P256', 'SIGN_VERIFY'): ('SigningAlgorithms', ['ECDSA_SHA_256']),
    ('ECC_NIST_P384', 'SIGN_VERIFY'): ('SigningAlgorithms', ['ECDSA_SHA_384']),
    ('ECC_NIST_P521', 'SIGN_VERIFY'): ('SigningAlgorithms', ['ECDSA_SHA_512']),
    **{(f'ECC_NIST_P{n}', 'KEY_AGREEMENT'): ('KeyAgreementAlgorithms', ['ECDH']) for n in (256, 384, 521)},
    ('ECC_SECG_P256K1', 'SIGN_VERIFY'): ('SigningAlgorithms', ['ECDSA_SHA_256']),
    ('ECC_NIST_EDWARDS25519', 'SIGN_VERIFY'): ('SigningAlgorithms', ['ED25519_SHA_512', 'ED25519_PH_SHA_512']),
    **{(f'ML_DSA_{n}', 'SIGN_VERIFY'): ('SigningAlgorithms', ['ML_DSA_SHAKE_256']) for n in (44, 65, 87)},
    **{(f'HMAC_{n}', 'GENERATE_VERIFY_MAC'): ('MacAlgorithms', [f'HMAC_SHA_{n}']) for n in (224, 256, 384, 512)},
    ('SM2', 'ENCRYPT_DECRYPT'): ('EncryptionAlgorithms', ['SM2PKE']),
    ('SM2', 'SIGN_VERIFY'): ('SigningAlgorithms', ['SM2DSA']),
    ('SM2', 'KEY_AGREEMENT'): ('KeyAgreementAlgorithms', ['ECDH']),
}
SPECS = sorted({spec for spec, _ in VALID})
USAGES = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT']
NO_CMK_SPEC = {'ECC_NIST_EDWARDS25519', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87'}
HASHES = {'256': hashes.SHA256(), '384': hashes.SHA384(), '512': hashes.SHA512()}
keys = {}


def client_for(spec):
    return china if spec == 'SM2' else kms


def create_every_key_type():
    def create(combo):
        spec, usage = combo
        args = {} if spec == 'SYMMETRIC_DEFAULT' else {'KeySpec': spec, 'KeyUsage': usage}
        return client_for(spec).create_key(Description=f'{spec} {usage}', **args)['KeyMetadata']

    # Concurrently: the server makes the RSA pairs (a second each for RSA_4096) side by side.
    with ThreadPoolExecutor(max_workers=8) as pool:
        created = dict(zip(VALID, pool.map(create, VALID)))
    for (spec, usage), (member, algorithms) in VALID.items():
        md = created[spec, usage]
        keys[spec, usage] = md['KeyId']
        described = client_for(spec).describe_key(KeyId=md['KeyId'])['KeyMetadata']
        for m in (md, described):
            assert (m['KeySpec'], m['KeyUsage'], m['KeyState'], m['Enabled']) == (spec, usage, 'Enabled', True), m
            assert m[member] == algorithms, (spec, usage, m)
            lists = {k for k in m if k.endswith('Algorithms')}
            assert lists == {member}, (spec, usage, lists)
            assert ('CustomerMasterKeySpec' in m) == (spec not in NO_CMK_SPEC), m
            assert ('CurrentKeyMaterialId' in m) == (spec == 'SYMMETRIC_DEFAULT'), m


def invalid_combinations():
    for spec in SPECS:
        for usage in USAGES:
            if (spec, usage) in VALID:
                continue
            e = expect_code('ValidationException', client_for(spec).create_key, KeySpec=spec, KeyUsage=usage)
            assert message(e) == f'KeyUsage {usage} is not compatible with KeySpec {spec}', message(e)
    for spec in ('RSA_2048', 'HMAC_256', 'ML_DSA_44'):
        e = expect_code('ValidationException', kms.create_key, KeySpec=spec)
        assert message(e) == 'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.', message(e)
    e = expect(X.UnsupportedOperationException, kms.create_key, KeySpec='SM2', KeyUsage='SIGN_VERIFY')
    assert message(e) == 'KeySpec SM2 is not supported in this Region', message(e)


def public_key(spec, usage):
    out = client_for(spec).get_public_key(KeyId=keys[spec, usage])
    member, algorithms = VALID[spec, usage]
    assert (out['KeySpec'], out['KeyUsage'], out[member]) == (spec, usage, algorithms), out
    assert ('CustomerMasterKeySpec' in out) == (spec not in NO_CMK_SPEC), out
    assert out['KeyId'].endswith(keys[spec, usage]), out
    return out['PublicKey']


def public_keys():
    kinds = {'RSA': rsa.RSAPublicKey, 'ECC_NIST_EDWARDS25519': ed25519.Ed25519PublicKey, 'ECC': ec.EllipticCurvePublicKey,
             'ML_DSA_44': mldsa.MLDSA44PublicKey, 'ML_DSA_65': mldsa.MLDSA65PublicKey, 'ML_DSA_87': mldsa.MLDSA87PublicKey}
    curves = {'ECC_NIST_P256': 'secp256r1', 'ECC_NIST_P384': 'secp384r1', 'ECC_NIST_P521': 'secp521r1', 'ECC_SECG_P256K1': 'secp256k1'}
    for (spec, usage) in VALID:
        if spec.startswith(('SYMMETRIC', 'HMAC')):
            e = expect(X.UnsupportedOperationException, client_for(spec).get_public_key, KeyId=keys[spec, usage])
            assert 'GetPublicKey' in message(e), message(e)
            continue
        der = public_key(spec, usage)
        if spec == 'SM2':
            assert b'\x06\x08\x2a\x81\x1c\xcf\x55\x01\x82\x2d' in der  # the SM2 curve's OID; OpenSSL checks the rest
            continue
        pub = serialization.load_der_public_key(der)
        kind = next(v for k, v in kinds.items() if spec.startswith(k))
        assert isinstance(pub, kind), (spec, pub)
        if spec.startswith('RSA'):
            assert pub.key_size == int(spec[4:]) and pub.public_numbers().e == 65537
        if spec in curves:
            assert pub.curve.name == curves[spec], pub.curve.name


def verify_outside(spec, algorithm, der, msg, message_type, signature):
    """Verifies with the public key only; raises InvalidSignature (or AssertionError) when invalid."""
    if algorithm == 'ED25519_PH_SHA_512':
        raw = serialization.load_der_public_key(der).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if not ed25519ph.verify(raw, msg, signature, prehashed=True):
            raise InvalidSignature()
        return
    pub = serialization.load_der_public_key(der)
    if algorithm == 'ED25519_SHA_512':
        return pub.verify(signature, msg)
    if algorithm == 'ML_DSA_SHAKE_256':
        return pub.verify(signature, msg)
    h = HASHES[algorithm[-3:]]
    chosen = utils.Prehashed(h) if message_type == 'DIGEST' else h
    if algorithm.startswith('RSASSA_PSS'):
        return pub.verify(signature, msg, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), chosen)
    if algorithm.startswith('RSASSA_PKCS1'):
        return pub.verify(signature, msg, padding.PKCS1v15(), chosen)
    return pub.verify(signature, msg, ec.ECDSA(chosen))


def flipped(signature):
    changed = bytearray(signature)
    changed[len(changed) // 2] ^= 0x01
    return bytes(changed)


def sign_verify_every_algorithm():
    msg = b'Keywarden signs this message'
    done = 0
    for (spec, usage), (member, algorithms) in VALID.items():
        if usage != 'SIGN_VERIFY':
            continue
        c = client_for(spec)
        der = public_key(spec, usage)
        for algorithm in algorithms:
            if algorithm.startswith(('RSASSA', 'ECDSA')) or algorithm == 'SM2DSA':
                types = ['RAW', 'DIGEST']
            else:
                types = {'ED25519_SHA_512': ['RAW'], 'ED25519_PH_SHA_512': ['DIGEST'], 'ML_DSA_SHAKE_256': ['RAW']}[algorithm]
            for message_type in types:
                if message_type == 'RAW':
                    m = msg
                elif algorithm == 'SM2DSA':
                    m = hashlib.sha256(msg).digest()  # any 32 bytes stand for e = SM3(Z || M)
                else:
                    m = hashlib.new('sha' + algorithm[-3:], msg).digest()
                kwargs = dict(KeyId=keys[spec, usage], Message=m, MessageType=message_type, SigningAlgorithm=algorithm)
                out = c.sign(**kwargs)
                assert out['SigningAlgorithm'] == algorithm and out['KeyId'].endswith(keys[spec, usage]), out
                signature = out['Signature']
                v = c.verify(Signature=signature, **kwargs)
                assert v['SignatureValid'] is True and v['SigningAlgorithm'] == algorithm, v
                e = expect(c.exceptions.KMSInvalidSignatureException, c.verify, Signature=flipped(signature), **kwargs)
                assert message(e) == '' and status(e) == 400, e.response
                if spec != 'SM2':  # no Python library here has SM2; OpenSSL checks those (key-types.test.ts)
                    verify_outside(spec, algorithm, der, m, message_type, signature)
                    try:
                        verify_outside(spec, algorithm, der, m, message_type, flipped(signature))
                        raise AssertionError(f'{algorithm}: a changed signature verified outside Keywarden')
                    except InvalidSignature:
                        pass
                done += 1
    assert done == 3 * 6 * 2 + 4 * 2 + 2 + 3 + 2, done  # RSA, ECDSA, Ed25519, ML-DSA, SM2


def ml_dsa_external_mu():
    big = bytes(range(256)) * 40  # 10 KiB: too long for RAW, which is what EXTERNAL_MU is for
    expect_code('ValidationException', kms.sign, KeyId=keys['ML_DSA_65', 'SIGN_VERIFY'], Message=big, SigningAlgorithm='ML_DSA_SHAKE_256')
    for level in (44, 65, 87):
        key_id = keys[f'ML_DSA_{level}', 'SIGN_VERIFY']
        pub = serialization.load_der_public_key(public_key(f'ML_DSA_{level}', 'SIGN_VERIFY'))
        tr = hashlib.shake_256(pub.public_bytes_raw()).digest(64)
        mu = hashlib.shake_256(tr + b'\x00\x00' + big).digest(64)
        sig = kms.sign(KeyId=key_id, Message=mu, MessageType='EXTERNAL_MU', SigningAlgorithm='ML_DSA_SHAKE_256')['Signature']
        pub.verify(sig, big)  # a signature of the 10 KiB message itself
        kms.verify(KeyId=key_id, Message=mu, MessageType='EXTERNAL_MU', SigningAlgorithm='ML_DSA_SHAKE_256', Signature=sig)
        e = expect_code('ValidationException', kms.sign, KeyId=key_id, Message=mu[:32], MessageType='EXTERNAL_MU', SigningAlgorithm='ML_DSA_SHAKE_256')
        assert message(e) == 'Digest is invalid length for algorithm ML_DSA_SHAKE_256.', message(e)


def ed25519ph_verifier_is_not_blind():
    # The plain-Python verifier accepts what cryptography's Ed25519 signs and refuses a change.
    key = ed25519.Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    sig = key.sign(b'check')
    assert ed25519ph.verify(raw, b'check', sig, prehashed=False)
    assert not ed25519ph.verify(raw, b'check', flipped(sig), prehashed=False)
    assert not ed25519ph.verify(raw, b'check', sig, prehashed=True)


def sign_errors():
    rsa_key = keys['RSA_2048', 'SIGN_VERIFY']
    symmetric = keys['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT']
    arn = kms.describe_key(KeyId=symmetric)['KeyMetadata']['Arn']
    e = expect(X.InvalidKeyUsageException, kms.sign, KeyId=symmetric, Message=b'm', SigningAlgorithm='RSASSA_PSS_SHA_256')
    assert message(e) == f'{arn} key usage is ENCRYPT_DECRYPT which is not valid for Sign.', message(e)
    e = expect(X.InvalidKeyUsageException, kms.sign, KeyId=rsa_key, Message=b'm', SigningAlgorithm='ECDSA_SHA_256')
    assert message(e) == 'Algorithm ECDSA_SHA_256 is incompatible with key spec RSA_2048.', message(e)
    e = expect_code('ValidationException', kms.sign, KeyId=rsa_key, Message=b'm' * 20, MessageType='DIGEST', SigningAlgorithm='RSASSA_PSS_SHA_256')
    assert message(e) == 'Digest is invalid length for algorithm RSASSA_PSS_SHA_256.', message(e)
    e = expect_code('ValidationException', kms.sign, KeyId=rsa_key, Message=b'm' * 4097, SigningAlgorithm='RSASSA_PSS_SHA_256')
    assert message(e) == "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096", message(e)
    e = expect(X.DryRunOperationException, kms.sign, KeyId=rsa_key, Message=b'm', SigningAlgorithm='RSASSA_PSS_SHA_256', DryRun=True)
    assert status(e) == 400 and message(e) == 'The request would have succeeded, but the DryRun option is set.', e.response
    expect(X.DryRunOperationException, kms.verify, KeyId=rsa_key, Message=b'm', Signature=b'x', SigningAlgorithm='RSASSA_PSS_SHA_256', DryRun=True)
    # A grant token of a grant for the caller is accepted; a token Keywarden never issued is not.
    token = kms.create_grant(KeyId=rsa_key, GranteePrincipal='arn:aws:iam::111122223333:root', Operations=['Sign'])['GrantToken']
    kms.sign(KeyId=rsa_key, Message=b'm', SigningAlgorithm='RSASSA_PSS_SHA_256', GrantTokens=[token])
    expect(X.InvalidGrantTokenException, kms.sign, KeyId=rsa_key, Message=b'm', SigningAlgorithm='RSASSA_PSS_SHA_256', GrantTokens=['token'])
    signer = kms.describe_key(KeyId=rsa_key)['KeyMetadata']['Arn']
    e = expect(X.InvalidKeyUsageException, kms.encrypt, KeyId=rsa_key, Plaintext=b'x')
    assert message(e) == f'{signer} key usage is SIGN_VERIFY which is not valid for Encrypt.', message(e)
    e = expect(X.InvalidKeyUsageException, kms.generate_data_key, KeyId=keys['RSA_2048', 'ENCRYPT_DECRYPT'], KeySpec='AES_256')
    assert message(e) == 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.', message(e)
    e = expect(X.UnsupportedOperationException, kms.enable_key_rotation, KeyId=rsa_key)
    assert message(e) == '', message(e)
    expect(X.UnsupportedOperationException, kms.rotate_key_on_demand, KeyId=keys['HMAC_256', 'GENERATE_VERIFY_MAC'])
    assert kms.get_key_rotation_status(KeyId=rsa_key)['KeyRotationEnabled'] is False


def macs():
    for n, length in ((224, 28), (256, 32), (384, 48), (512, 64)):
        key_id = keys[f'HMAC_{n}', 'GENERATE_VERIFY_MAC']
        algorithm = f'HMAC_SHA_{n}'
        out = kms.generate_mac(KeyId=key_id, Message=b'a token', MacAlgorithm=algorithm)
        assert len(out['Mac']) == length and out['MacAlgorithm'] == algorithm, out
        assert kms.generate_mac(KeyId=key_id, Message=b'a token', MacAlgorithm=algorithm)['Mac'] == out['Mac']
        v = kms.verify_mac(KeyId=key_id, Message=b'a token', MacAlgorithm=algorithm, Mac=out['Mac'])
        assert v['MacValid'] is True and v['MacAlgorithm'] == algorithm, v
        e = expect(X.KMSInvalidMacException, kms.verify_mac, KeyId=key_id, Message=b'a token', MacAlgorithm=algorithm, Mac=flipped(out['Mac']))
        assert message(e) == '', message(e)
        expect(X.KMSInvalidMacException, kms.verify_mac, KeyId=key_id, Message=b'a tokeN', MacAlgorithm=algorithm, Mac=out['Mac'])
    e = expect(X.InvalidKeyUsageException, kms.generate_mac, KeyId=keys['HMAC_224', 'GENERATE_VERIFY_MAC'], Message=b'm', MacAlgorithm='HMAC_SHA_256')
    assert message(e) == 'Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.', message(e)
    expect(X.DryRunOperationException, kms.generate_mac, KeyId=keys['HMAC_224', 'GENERATE_VERIFY_MAC'], Message=b'm', MacAlgorithm='HMAC_SHA_224', DryRun=True)
    e = expect_code('ValidationException', kms.generate_mac, KeyId=keys['HMAC_224', 'GENERATE_VERIFY_MAC'], Message=b'm' * 4097, MacAlgorithm='HMAC_SHA_224')
    assert 'Member must have length less than or equal to 4096' in message(e), message(e)
    symmetric = keys['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT']
    e = expect(X.InvalidKeyUsageException, kms.generate_mac, KeyId=symmetric, Message=b'm', MacAlgorithm='HMAC_SHA_256')
    assert message(e).endswith('key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac.'), message(e)


def shape_checker_is_not_blind():
    bad = {'KeyId': 'k', 'Signature': 'not base64!', 'SigningAlgorithm': 'ECDSA_SHA_1', 'Extra': 1}
    try:
        shapes.check_output('Sign', bad)
    except AssertionError as e:
        for part in ('Sign.Signature: not base64', "'ECDSA_SHA_1' is not in the enum", 'Sign.Extra: not a member'):
            assert part in str(e), str(e)
    else:
        raise AssertionError('a malformed Sign answer passed the shape check')
    try:
        shapes.check_output('VerifyMac', {'KeyId': 'k', 'MacValid': 'true'})
        raise AssertionError('a string where botocore has a boolean passed')
    except AssertionError as e:
        assert 'expected a boolean' in str(e), str(e)


def output_shapes():
    for operation in ('CreateKey', 'DescribeKey', 'GetPublicKey', 'Sign', 'Verify', 'GenerateMac', 'VerifyMac', 'GetKeyRotationStatus'):
        assert shapes.checked[operation] > 0, f'no {operation} answer was checked'


run('kms_key_types', [
    ('create_every_key_type', create_every_key_type),
    ('invalid_combinations', invalid_combinations),
    ('public_keys', public_keys),
    ('ed25519ph_verifier_is_not_blind', ed25519ph_verifier_is_not_blind),
    ('sign_verify_every_algorithm', sign_verify_every_algorithm),
    ('ml_dsa_external_mu', ml_dsa_external_mu),
    ('sign_errors', sign_errors),
    ('macs', macs),
    ('shape_checker_is_not_blind', shape_checker_is_not_blind),
    ('output_shapes', output_shapes),
])
