"""Authorization as boto3 applications meet it: a user of another account decrypts with a key
whose policy opens it to that account, a user without an identity policy is refused with AWS's
AccessDeniedException text, aliases stay in their account, and the operations IAM alone decides
refuse a user whose policies do not allow them.
Usage: python3 kms_authorization.py <endpoint> <setup JSON: principals and key ARNs>"""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from kwtest import client, expect, expect_code, message, run, status

endpoint = sys.argv[1]
setup = json.loads(sys.argv[2])
shared = setup['sharedKeyArn']
private = setup['defaultKeyArn']


def as_(who):
    p = setup['principals'][who]
    return client(endpoint, key=p['accessKeyId'], secret=p['secretAccessKey'])


def arn_of(who):
    return setup['principals'][who]['principalArn']


carol, dan, dave = as_('carol'), as_('dan'), as_('dave')


def cross_account_round_trip():
    enc = carol.encrypt(KeyId=shared, Plaintext=b'boto3 across accounts', EncryptionContext={'via': 'boto3'})
    assert enc['KeyId'] == shared, enc['KeyId']
    dec = carol.decrypt(CiphertextBlob=enc['CiphertextBlob'], EncryptionContext={'via': 'boto3'})
    assert dec['Plaintext'] == b'boto3 across accounts'
    assert dec['KeyId'] == shared


def cross_account_refused_without_identity_policy():
    enc = carol.encrypt(KeyId=shared, Plaintext=b'x')
    e = expect_code('AccessDeniedException', dan.decrypt, CiphertextBlob=enc['CiphertextBlob'], KeyId=shared)
    expected = (f'User: {arn_of("dan")} is not authorized to perform: kms:Decrypt on resource: {shared} '
                'because no identity-based policy allows the kms:Decrypt action')
    assert message(e) == expected, message(e)
    assert status(e) == 400


def cross_account_refused_by_key_policy():
    e = expect_code('AccessDeniedException', carol.encrypt, KeyId=private, Plaintext=b'x')
    expected = (f'User: {arn_of("carol")} is not authorized to perform: kms:Encrypt on resource: {private} '
                'because no resource-based policy allows the kms:Encrypt action')
    assert message(e) == expected, message(e)


def other_account_alias_not_found():
    e = expect(carol.exceptions.NotFoundException, carol.encrypt, KeyId='alias/shared', Plaintext=b'x')
    account = arn_of('carol').split(':')[4]
    assert message(e) == f'Alias arn:aws:kms:us-east-1:{account}:alias/shared is not found.', message(e)


def create_key_refused():
    e = expect_code('AccessDeniedException', dave.create_key)
    expected = f'User: {arn_of("dave")} is not authorized to perform: kms:CreateKey because no identity-based policy allows the kms:CreateKey action'
    assert message(e) == expected, message(e)
    # What his policy allows still works.
    assert any(k['KeyArn'] == private for k in dave.list_keys()['Keys'])


def cloudhsm_refused():
    p = setup['principals']['dave']
    hsm = boto3.client(
        'cloudhsmv2',
        endpoint_url=endpoint,
        region_name='us-east-1',
        aws_access_key_id=p['accessKeyId'],
        aws_secret_access_key=p['secretAccessKey'],
        config=Config(retries={'max_attempts': 1}),
    )
    try:
        hsm.describe_clusters()
    except ClientError as e:
        assert e.response['Error']['Code'] == 'AccessDeniedException', e.response
        expected = (f'User: {arn_of("dave")} is not authorized to perform: cloudhsm:DescribeClusters '
                    'because no identity-based policy allows the cloudhsm:DescribeClusters action')
        assert message(e) == expected, message(e)
        return
    raise AssertionError('DescribeClusters succeeded')


run('kms_authorization', [
    ('cross_account_round_trip', cross_account_round_trip),
    ('cross_account_refused_without_identity_policy', cross_account_refused_without_identity_policy),
    ('cross_account_refused_by_key_policy', cross_account_refused_by_key_policy),
    ('other_account_alias_not_found', other_account_alias_not_found),
    ('create_key_refused', create_key_refused),
    ('cloudhsm_refused', cloudhsm_refused),
], keep_going=True)
