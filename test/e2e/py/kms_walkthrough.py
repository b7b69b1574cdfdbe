"""What an application does with boto3 against Keywarden: keys, cryptography, paginators, aliases,
rotation and the deletion schedule. Usage: python3 kms_walkthrough.py <endpoint>"""
import json
import re
import sys

from kwtest import DAY, REGION, ACCOUNT, alias_arn, client, key_arn, near, now, run

kms = client(sys.argv[1])
state = {}
UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
HEX64 = re.compile(r'^[0-9a-f]{64}$')


def create_key():
    started = now()
    out = kms.create_key(Description='boto3 key', Tags=[{'TagKey': 'lang', 'TagValue': 'python'}])
    assert out['ResponseMetadata']['HTTPStatusCode'] == 200
    md = out['KeyMetadata']
    assert UUID.match(md['KeyId']), md['KeyId']
    assert md['Arn'] == key_arn(md['KeyId'])
    assert md['AWSAccountId'] == ACCOUNT
    assert md['Enabled'] is True
    assert md['KeyState'] == 'Enabled'
    assert md['KeyUsage'] == 'ENCRYPT_DECRYPT'
    assert md['KeySpec'] == md['CustomerMasterKeySpec'] == 'SYMMETRIC_DEFAULT'
    assert md['Origin'] == 'AWS_KMS'
    assert md['KeyManager'] == 'CUSTOMER'
    assert md['EncryptionAlgorithms'] == ['SYMMETRIC_DEFAULT']
    assert md['MultiRegion'] is False
    assert HEX64.match(md['CurrentKeyMaterialId'])
    near(md['CreationDate'], started, 120, 'CreationDate')
    state['key'], state['arn'] = md['KeyId'], md['Arn']


def describe_key():
    by_id = kms.describe_key(KeyId=state['key'])['KeyMetadata']
    by_arn = kms.describe_key(KeyId=state['arn'])['KeyMetadata']
    assert by_id == by_arn
    assert by_id['Description'] == 'boto3 key'
    tags = kms.list_resource_tags(KeyId=state['key'])
    assert tags['Tags'] == [{'TagKey': 'lang', 'TagValue': 'python'}], tags['Tags']
    assert tags['Truncated'] is False


def encrypt_decrypt():
    plaintext = bytes(range(256)) * 4
    ctx = {'tenant': 'acme', 'purpose': 'boto3'}
    enc = kms.encrypt(KeyId=state['key'], Plaintext=plaintext, EncryptionContext=ctx)
    assert enc['KeyId'] == state['arn']
    assert enc['EncryptionAlgorithm'] == 'SYMMETRIC_DEFAULT'
    assert isinstance(enc['CiphertextBlob'], bytes) and len(enc['CiphertextBlob']) > len(plaintext)
    dec = kms.decrypt(CiphertextBlob=enc['CiphertextBlob'], EncryptionContext=ctx)
    assert dec['Plaintext'] == plaintext
    assert dec['KeyId'] == state['arn']
    assert dec['EncryptionAlgorithm'] == 'SYMMETRIC_DEFAULT'
    assert dec['KeyMaterialId'] == kms.describe_key(KeyId=state['key'])['KeyMetadata']['CurrentKeyMaterialId']
    # Naming the key explicitly (as the Encryption SDK does) works too.
    assert kms.decrypt(CiphertextBlob=enc['CiphertextBlob'], EncryptionContext=ctx, KeyId=state['arn'])['Plaintext'] == plaintext
    state['ciphertext'], state['context'], state['plaintext'] = enc['CiphertextBlob'], ctx, plaintext


def generate_data_key():
    dk = kms.generate_data_key(KeyId=state['key'], KeySpec='AES_256', EncryptionContext={'file': 'x'})
    assert len(dk['Plaintext']) == 32
    assert dk['KeyId'] == state['arn']
    assert HEX64.match(dk['KeyMaterialId'])
    assert kms.decrypt(CiphertextBlob=dk['CiphertextBlob'], EncryptionContext={'file': 'x'})['Plaintext'] == dk['Plaintext']
    assert len(kms.generate_data_key(KeyId=state['key'], NumberOfBytes=17)['Plaintext']) == 17
    assert len(kms.generate_data_key(KeyId=state['key'], KeySpec='AES_128')['Plaintext']) == 16
    np = kms.generate_data_key_without_plaintext(KeyId=state['key'], KeySpec='AES_256')
    assert 'Plaintext' not in np
    assert len(kms.decrypt(CiphertextBlob=np['CiphertextBlob'])['Plaintext']) == 32
    r = kms.generate_random(NumberOfBytes=1024)['Plaintext']
    assert isinstance(r, bytes) and len(r) == 1024


def re_encrypt():
    dest = kms.create_key(Description='boto3 destination')['KeyMetadata']
    out = kms.re_encrypt(
        CiphertextBlob=state['ciphertext'],
        SourceEncryptionContext=state['context'],
        DestinationKeyId=dest['KeyId'],
        DestinationEncryptionContext={'moved': 'yes'},
    )
    assert out['SourceKeyId'] == state['arn']
    assert out['KeyId'] == dest['Arn']
    dec = kms.decrypt(CiphertextBlob=out['CiphertextBlob'], EncryptionContext={'moved': 'yes'})
    assert dec['Plaintext'] == state['plaintext'] and dec['KeyId'] == dest['Arn']


def list_keys_paginator():
    for i in range(3):
        kms.create_key(Description=f'paging {i}')
    expected = set()
    marker = None
    while True:
        page = kms.list_keys(Limit=1000, **({'Marker': marker} if marker else {}))
        expected.update(k['KeyId'] for k in page['Keys'])
        if not page['Truncated']:
            break
        marker = page['NextMarker']
    assert len(expected) >= 5, expected
    pages = list(kms.get_paginator('list_keys').paginate(PaginationConfig={'PageSize': 2}))
    assert len(pages) == (len(expected) + 1) // 2, f'{len(pages)} pages for {len(expected)} keys'
    assert all(len(p['Keys']) <= 2 for p in pages)
    assert all(p['Truncated'] for p in pages[:-1]) and pages[-1]['Truncated'] is False
    listed = [k['KeyId'] for p in pages for k in p['Keys']]
    assert len(listed) == len(set(listed)), 'a key was listed twice'
    assert set(listed) == expected
    assert all(k['KeyArn'] == key_arn(k['KeyId']) for p in pages for k in p['Keys'])
    # build_full_result follows NextMarker the way applications usually page.
    full = kms.get_paginator('list_keys').paginate(PaginationConfig={'PageSize': 3}).build_full_result()
    assert {k['KeyId'] for k in full['Keys']} == expected


def aliases():
    name = 'alias/boto3-app'
    kms.create_alias(AliasName=name, TargetKeyId=state['key'])
    assert kms.describe_key(KeyId=name)['KeyMetadata']['KeyId'] == state['key']
    assert kms.describe_key(KeyId=alias_arn(name))['KeyMetadata']['KeyId'] == state['key']
    enc = kms.encrypt(KeyId=name, Plaintext=b'via alias')
    assert enc['KeyId'] == state['arn']
    for i in range(3):
        kms.create_alias(AliasName=f'alias/boto3-extra-{i}', TargetKeyId=state['arn'])
    pages = list(kms.get_paginator('list_aliases').paginate(KeyId=state['key'], PaginationConfig={'PageSize': 2}))
    names = [a['AliasName'] for p in pages for a in p['Aliases']]
    assert sorted(names) == sorted([name] + [f'alias/boto3-extra-{i}' for i in range(3)]), names
    assert len(pages) == 2
    for p in pages:
        for a in p['Aliases']:
            assert a['AliasArn'] == alias_arn(a['AliasName'])
            assert a['TargetKeyId'] == state['key']
            near(a['CreationDate'], now(), 300, 'alias CreationDate')
            near(a['LastUpdatedDate'], now(), 300, 'alias LastUpdatedDate')
    other = kms.create_key()['KeyMetadata']['KeyId']
    kms.update_alias(AliasName=name, TargetKeyId=other)
    assert kms.describe_key(KeyId=name)['KeyMetadata']['KeyId'] == other
    kms.delete_alias(AliasName=name)
    remaining = kms.list_aliases(KeyId=state['key'])['Aliases']
    assert sorted(a['AliasName'] for a in remaining) == [f'alias/boto3-extra-{i}' for i in range(3)]


def rotation():
    key = kms.create_key(Description='boto3 rotation')['KeyMetadata']
    before = kms.encrypt(KeyId=key['KeyId'], Plaintext=b'old material')['CiphertextBlob']
    kms.enable_key_rotation(KeyId=key['KeyId'], RotationPeriodInDays=90)
    st = kms.get_key_rotation_status(KeyId=key['KeyId'])
    assert st['KeyRotationEnabled'] is True and st['RotationPeriodInDays'] == 90 and st['KeyId'] == key['Arn']
    near(st['NextRotationDate'], now() + 90 * DAY, 300, 'NextRotationDate')
    assert kms.rotate_key_on_demand(KeyId=key['KeyId'])['KeyId'] == key['Arn']
    kms.rotate_key_on_demand(KeyId=key['Arn'])
    rotations = [r for p in kms.get_paginator('list_key_rotations').paginate(KeyId=key['KeyId'], PaginationConfig={'PageSize': 1}) for r in p['Rotations']]
    assert [r['RotationType'] for r in rotations] == ['ON_DEMAND', 'ON_DEMAND'], rotations
    assert all(r['KeyId'] == key['Arn'] for r in rotations)
    current = kms.describe_key(KeyId=key['KeyId'])['KeyMetadata']['CurrentKeyMaterialId']
    assert current != key['CurrentKeyMaterialId']
    assert rotations[-1]['KeyMaterialId'] == current
    dec = kms.decrypt(CiphertextBlob=before)
    assert dec['Plaintext'] == b'old material'
    assert dec['KeyMaterialId'] == key['CurrentKeyMaterialId']


def deletion_schedule():
    key = kms.create_key(Description='boto3 deletion')['KeyMetadata']
    out = kms.schedule_key_deletion(KeyId=key['KeyId'], PendingWindowInDays=7)
    assert out['KeyId'] == key['Arn'] and out['KeyState'] == 'PendingDeletion' and out['PendingWindowInDays'] == 7
    near(out['DeletionDate'], now() + 7 * DAY, 300, 'DeletionDate')
    md = kms.describe_key(KeyId=key['KeyId'])['KeyMetadata']
    assert md['KeyState'] == 'PendingDeletion' and md['Enabled'] is False
    assert md['DeletionDate'] == out['DeletionDate']
    assert kms.cancel_key_deletion(KeyId=key['Arn'])['KeyId'] == key['Arn']
    md = kms.describe_key(KeyId=key['KeyId'])['KeyMetadata']
    assert md['KeyState'] == 'Disabled' and 'DeletionDate' not in md


def policy():
    got = kms.get_key_policy(KeyId=state['key'], PolicyName='default')
    doc = json.loads(got['Policy'])
    assert doc['Statement'][0]['Principal'] == {'AWS': f'arn:aws:iam::{ACCOUNT}:root'}, doc
    assert doc['Statement'][0]['Action'] == 'kms:*'
    assert kms.list_key_policies(KeyId=state['key'])['PolicyNames'] == ['default']


def region_scope():
    # Keys live in the region of the credential scope that created them.
    west = client(sys.argv[1], region='eu-west-1')
    key = west.create_key()['KeyMetadata']
    assert key['Arn'] == key_arn(key['KeyId'], 'eu-west-1')
    ids = {k['KeyId'] for p in kms.get_paginator('list_keys').paginate() for k in p['Keys']}
    assert key['KeyId'] not in ids, 'a eu-west-1 key is listed in us-east-1'
    assert REGION == 'us-east-1'


run('kms_walkthrough', [
    ('create_key', create_key),
    ('describe_key', describe_key),
    ('encrypt_decrypt', encrypt_decrypt),
    ('generate_data_key', generate_data_key),
    ('re_encrypt', re_encrypt),
    ('list_keys_paginator', list_keys_paginator),
    ('aliases', aliases),
    ('rotation', rotation),
    ('deletion_schedule', deletion_schedule),
    ('policy', policy),
    ('region_scope', region_scope),
])
