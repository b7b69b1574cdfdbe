"""Errors as boto3 applications catch them: each modelled KMS error must arrive as its own
client.exceptions class, with AWS's message and HTTP status. Usage: python3 kms_errors.py <endpoint>"""
import sys

from kwtest import alias_arn, client, expect, expect_code, key_arn, message, run, status

endpoint = sys.argv[1]
kms = client(endpoint)
X = kms.exceptions
MISSING = '00000000-1111-2222-3333-444444444444'

key = kms.create_key(Description='errors')['KeyMetadata']
other = kms.create_key(Description='errors, other key')['KeyMetadata']
ciphertext = kms.encrypt(KeyId=key['KeyId'], Plaintext=b'secret', EncryptionContext={'a': '1'})['CiphertextBlob']


def not_found():
    e = expect(X.NotFoundException, kms.describe_key, KeyId=MISSING)
    assert message(e) == f"Key '{key_arn(MISSING)}' does not exist", message(e)
    assert status(e) == 400
    e = expect(X.NotFoundException, kms.describe_key, KeyId='alias/missing')
    assert message(e) == f'Alias {alias_arn("alias/missing")} is not found.', message(e)
    e = expect(X.NotFoundException, kms.delete_alias, AliasName='alias/missing')
    assert message(e) == f'Alias {alias_arn("alias/missing")} is not found.', message(e)


def other_region():
    west = client(endpoint, region='eu-west-1')
    e = expect(west.exceptions.NotFoundException, west.describe_key, KeyId=key['KeyId'])
    assert message(e) == f"Key '{key_arn(key['KeyId'], 'eu-west-1')}' does not exist", message(e)


def invalid_ciphertext():
    expect(X.InvalidCiphertextException, kms.decrypt, CiphertextBlob=ciphertext, EncryptionContext={'a': '2'})
    expect(X.InvalidCiphertextException, kms.decrypt, CiphertextBlob=ciphertext)
    e = expect(X.InvalidCiphertextException, kms.decrypt, CiphertextBlob=b'\x01' * 64)
    assert status(e) == 400
    # AWS sends this error without a message; botocore then shows an empty one.
    assert message(e) == '' and 'message' not in e.response, e.response


def incorrect_key():
    e = expect(X.IncorrectKeyException, kms.decrypt, CiphertextBlob=ciphertext, EncryptionContext={'a': '1'}, KeyId=other['KeyId'])
    assert message(e) == 'The key ID in the request does not identify a CMK that can perform this operation.', message(e)


def disabled():
    k = kms.create_key()['KeyMetadata']
    kms.disable_key(KeyId=k['KeyId'])
    e = expect(X.DisabledException, kms.encrypt, KeyId=k['KeyId'], Plaintext=b'x')
    assert message(e) == f'{k["Arn"]} is disabled.', message(e)
    assert status(e) == 400
    expect(X.DisabledException, kms.generate_data_key, KeyId=k['KeyId'], KeySpec='AES_256')


def invalid_state():
    k = kms.create_key()['KeyMetadata']
    kms.schedule_key_deletion(KeyId=k['KeyId'], PendingWindowInDays=7)
    e = expect(X.KMSInvalidStateException, kms.encrypt, KeyId=k['KeyId'], Plaintext=b'x')
    assert message(e) == f'{k["Arn"]} is pending deletion.', message(e)
    e = expect(X.KMSInvalidStateException, kms.cancel_key_deletion, KeyId=key['KeyId'])
    assert message(e) == f'{key["Arn"]} is not pending deletion.', message(e)


def already_exists():
    kms.create_alias(AliasName='alias/errors-dup', TargetKeyId=key['KeyId'])
    e = expect(X.AlreadyExistsException, kms.create_alias, AliasName='alias/errors-dup', TargetKeyId=other['KeyId'])
    assert message(e) == f'An alias with the name {alias_arn("alias/errors-dup")} already exists', message(e)


def unsupported_operation():
    # A single-Region key is not a multi-Region primary key: neither operation applies to it.
    e = expect(X.UnsupportedOperationException, kms.update_primary_region, KeyId=key['KeyId'], PrimaryRegion='us-west-2')
    assert message(e) == f'{key["Arn"]} is not a multi-region primary key.', message(e)
    e = expect(X.UnsupportedOperationException, kms.replicate_key, KeyId=key['KeyId'], ReplicaRegion='us-west-2')
    assert message(e) == f'{key["Arn"]} is not a multi-region primary key.', message(e)


def grant_errors():
    grant = kms.create_grant(KeyId=key['KeyId'], GranteePrincipal='arn:aws:iam::111122223333:role/x', Operations=['Decrypt'])
    e = expect(X.InvalidGrantTokenException, kms.retire_grant, GrantToken='not-a-grant-token')
    assert message(e) == 'The grant token is not valid.', message(e)
    kms.retire_grant(GrantToken=grant['GrantToken'])
    e = expect(X.NotFoundException, kms.revoke_grant, KeyId=key['KeyId'], GrantId=grant['GrantId'])
    assert message(e) == f'Grant ID {grant["GrantId"]} not found', message(e)
    e = expect(X.InvalidGrantIdException, kms.list_grants, KeyId=key['KeyId'], GrantId='nope')
    assert message(e) == "Invalid grantId 'nope'", message(e)


def malformed_policy():
    expect(X.MalformedPolicyDocumentException, kms.put_key_policy, KeyId=key['KeyId'], PolicyName='default', Policy='{not json')


def tag_exception():
    e = expect(X.TagException, kms.tag_resource, KeyId=key['KeyId'], Tags=[{'TagKey': 'aws:mine', 'TagValue': 'x'}])
    assert message(e) == 'Tags beginning with aws: are reserved', message(e)


def invalid_marker():
    expect(X.InvalidMarkerException, kms.list_keys, Marker='bogus-marker')
    expect(X.InvalidMarkerException, kms.list_aliases, Marker='bogus-marker')


def limit_exceeded():
    k = kms.create_key()['KeyMetadata']
    for _ in range(25):
        kms.rotate_key_on_demand(KeyId=k['KeyId'])
    e = expect(X.LimitExceededException, kms.rotate_key_on_demand, KeyId=k['KeyId'])
    assert message(e) == ('The on-demand rotations limit has been reached for the given keyId. '
                          f'No more on-demand rotations can be performed for this key: {k["Arn"]}'), message(e)


def dry_run():
    e = expect(X.DryRunOperationException, kms.encrypt, KeyId=key['KeyId'], Plaintext=b'x', DryRun=True)
    assert status(e) == 400, status(e)
    assert message(e) == 'The request would have succeeded, but the DryRun option is set.', message(e)


def validation_exception():
    # Not in the KMS model, so boto3 raises a plain ClientError with the code.
    e = expect_code('ValidationException', kms.generate_data_key, KeyId=key['KeyId'], KeySpec='AES_256', NumberOfBytes=32)
    assert message(e) == 'Please specify either number of bytes or key spec.', message(e)
    assert status(e) == 400
    e = expect_code('ValidationException', kms.schedule_key_deletion, KeyId=key['KeyId'], PendingWindowInDays=6)
    assert message(e) == 'PendingWindowInDays must be between 7 and 30', message(e)
    # What the server says when the client does not validate first.
    raw = client(endpoint, parameter_validation=False)
    e = expect_code('ValidationException', raw.encrypt, KeyId=key['KeyId'], Plaintext=b'')
    assert message(e) == "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1", message(e)
    e = expect_code('ValidationException', raw.describe_key, KeyId='')
    assert message(e) == "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1", message(e)


def unknown_access_key():
    stranger = client(endpoint, key='AKIDNOTKNOWN', secret='whatever')
    e = expect_code('UnrecognizedClientException', stranger.list_keys)
    assert message(e) == 'The security token included in the request is invalid.', message(e)
    assert status(e) == 400


def bad_signature():
    forger = client(endpoint, key='test', secret='not-the-secret')
    e = expect_code('InvalidSignatureException', forger.list_keys)
    assert message(e).startswith('The request signature we calculated does not match the signature you provided.'), message(e)


run('kms_errors', [
    ('NotFoundException', not_found),
    ('NotFoundException_other_region', other_region),
    ('InvalidCiphertextException', invalid_ciphertext),
    ('IncorrectKeyException', incorrect_key),
    ('DisabledException', disabled),
    ('KMSInvalidStateException', invalid_state),
    ('AlreadyExistsException', already_exists),
    ('UnsupportedOperationException', unsupported_operation),
    ('InvalidGrantTokenException', grant_errors),
    ('MalformedPolicyDocumentException', malformed_policy),
    ('TagException', tag_exception),
    ('InvalidMarkerException', invalid_marker),
    ('LimitExceededException', limit_exceeded),
    ('DryRunOperationException', dry_run),
    ('ValidationException', validation_exception),
    ('UnrecognizedClientException', unknown_access_key),
    ('InvalidSignatureException', bad_signature),
], keep_going=True)
