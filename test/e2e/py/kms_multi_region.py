"""A multi-Region application with boto3: a primary key in us-east-1, its replica in eu-west-1,
ciphertexts that cross between them, UpdatePrimaryRegion and the deletion of a primary that still
has a replica. Every answer is checked against botocore's output shapes.
Usage: python3 kms_multi_region.py <endpoint> <alias name left on the final primary key>"""
import json
import re
import sys

from kwtest import ACCOUNT, client, expect, key_arn, message, run
from shapes import watch

EAST, WEST = 'us-east-1', 'eu-west-1'
east = watch(client(sys.argv[1], region=EAST))
west = watch(client(sys.argv[1], region=WEST))
ALIAS = sys.argv[2]
MRK = re.compile(r'^mrk-[0-9a-f]{32}$')
state = {}


def entry(region):
    return {'Arn': key_arn(state['key'], region), 'Region': region}


def create_primary():
    md = east.create_key(MultiRegion=True, Description='primary', Tags=[{'TagKey': 'home', 'TagValue': EAST}])['KeyMetadata']
    assert MRK.match(md['KeyId']), md['KeyId']
    state['key'] = md['KeyId']
    assert md['Arn'] == key_arn(md['KeyId'], EAST)
    assert md['MultiRegion'] is True
    assert md['MultiRegionConfiguration'] == {'MultiRegionKeyType': 'PRIMARY', 'PrimaryKey': entry(EAST), 'ReplicaKeys': []}
    # Before ReplicateKey the other Region has no such key.
    e = expect(west.exceptions.NotFoundException, west.describe_key, KeyId=state['key'])
    assert message(e) == f"Key '{key_arn(state['key'], WEST)}' does not exist", message(e)


def replicate():
    out = east.replicate_key(KeyId=state['key'], ReplicaRegion=WEST, Description='replica', Tags=[{'TagKey': 'home', 'TagValue': WEST}])
    md = out['ReplicaKeyMetadata']
    assert md['KeyId'] == state['key'] and md['Arn'] == key_arn(state['key'], WEST), md
    # As AWS answers: the replica is still being made, with no material to name yet.
    assert md['KeyState'] == 'Creating' and md['Enabled'] is False, md
    assert 'CurrentKeyMaterialId' not in md, md
    assert md['Description'] == 'replica'
    assert md['MultiRegionConfiguration'] == {'MultiRegionKeyType': 'REPLICA', 'PrimaryKey': entry(EAST), 'ReplicaKeys': [entry(WEST)]}
    assert json.loads(out['ReplicaPolicy'])['Id'] == 'key-default-1', out['ReplicaPolicy']
    assert out['ReplicaTags'] == [{'TagKey': 'home', 'TagValue': WEST}], out['ReplicaTags']


def describe_both():
    primary = east.describe_key(KeyId=state['key'])['KeyMetadata']
    replica = west.describe_key(KeyId=key_arn(state['key'], WEST))['KeyMetadata']
    assert primary['MultiRegionConfiguration']['ReplicaKeys'] == [entry(WEST)]
    assert replica['KeyState'] == 'Enabled' and replica['Enabled'] is True
    assert replica['MultiRegionConfiguration']['MultiRegionKeyType'] == 'REPLICA'
    assert replica['CurrentKeyMaterialId'] == primary['CurrentKeyMaterialId'], 'related keys share their material'
    assert (replica['Description'], primary['Description']) == ('replica', 'primary')
    assert west.list_resource_tags(KeyId=state['key'])['Tags'] == [{'TagKey': 'home', 'TagValue': WEST}]
    assert east.list_resource_tags(KeyId=state['key'])['Tags'] == [{'TagKey': 'home', 'TagValue': EAST}]


def cross_region_cryptography():
    ctx = {'app': 'multi-region'}
    sealed = east.encrypt(KeyId=state['key'], Plaintext=b'written in us-east-1', EncryptionContext=ctx)['CiphertextBlob']
    opened = west.decrypt(CiphertextBlob=sealed, EncryptionContext=ctx, KeyId=key_arn(state['key'], WEST))
    assert opened['Plaintext'] == b'written in us-east-1'
    assert opened['KeyId'] == key_arn(state['key'], WEST)
    # Without a KeyId too: the blob names the key id, which the replica shares.
    assert west.decrypt(CiphertextBlob=sealed, EncryptionContext=ctx)['Plaintext'] == b'written in us-east-1'
    data_key = west.generate_data_key(KeyId=state['key'], KeySpec='AES_256')
    assert east.decrypt(CiphertextBlob=data_key['CiphertextBlob'])['Plaintext'] == data_key['Plaintext']
    state['sealed'], state['ctx'] = sealed, ctx


def replica_has_its_own_policy_aliases_and_state():
    policy = {
        'Version': '2012-10-17',
        'Statement': [{'Sid': 'west only', 'Effect': 'Allow', 'Principal': {'AWS': f'arn:aws:iam::{ACCOUNT}:root'}, 'Action': 'kms:*', 'Resource': '*'}],
    }
    west.put_key_policy(KeyId=state['key'], PolicyName='default', Policy=json.dumps(policy))
    assert json.loads(west.get_key_policy(KeyId=state['key'], PolicyName='default')['Policy'])['Statement'][0]['Sid'] == 'west only'
    assert json.loads(east.get_key_policy(KeyId=state['key'], PolicyName='default')['Policy'])['Id'] == 'key-default-1'
    west.create_alias(AliasName=ALIAS, TargetKeyId=state['key'])
    assert west.describe_key(KeyId=ALIAS)['KeyMetadata']['Arn'] == key_arn(state['key'], WEST)
    expect(east.exceptions.NotFoundException, east.describe_key, KeyId=ALIAS)
    west.disable_key(KeyId=state['key'])
    expect(west.exceptions.DisabledException, west.decrypt, CiphertextBlob=state['sealed'], EncryptionContext=state['ctx'])
    assert east.decrypt(CiphertextBlob=state['sealed'], EncryptionContext=state['ctx'])['Plaintext'] == b'written in us-east-1'
    west.enable_key(KeyId=state['key'])


def refusals():
    arn = key_arn(state['key'], EAST)
    e = expect(east.exceptions.AlreadyExistsException, east.replicate_key, KeyId=state['key'], ReplicaRegion=WEST)
    assert key_arn(state['key'], WEST) in message(e), message(e)
    e = expect(west.exceptions.UnsupportedOperationException, west.replicate_key, KeyId=state['key'], ReplicaRegion='ap-south-1')
    assert message(e) == f'{key_arn(state["key"], WEST)} is not a multi-region primary key.', message(e)
    single = east.create_key()['KeyMetadata']
    e = expect(east.exceptions.UnsupportedOperationException, east.replicate_key, KeyId=single['KeyId'], ReplicaRegion=WEST)
    assert message(e) == f'{single["Arn"]} is not a multi-region primary key.', message(e)
    e = expect(east.exceptions.UnsupportedOperationException, east.update_primary_region, KeyId=single['KeyId'], PrimaryRegion=WEST)
    assert message(e) == f'{single["Arn"]} is not a multi-region primary key.', message(e)
    e = expect(west.exceptions.UnsupportedOperationException, west.enable_key_rotation, KeyId=state['key'])
    assert 'replica' in message(e) and arn in message(e), message(e)


def rotation_reaches_the_replica():
    before = west.describe_key(KeyId=state['key'])['KeyMetadata']['CurrentKeyMaterialId']
    east.enable_key_rotation(KeyId=state['key'], RotationPeriodInDays=180)
    status = west.get_key_rotation_status(KeyId=state['key'])
    assert status['KeyRotationEnabled'] is True and status['RotationPeriodInDays'] == 180, status
    east.rotate_key_on_demand(KeyId=state['key'])
    after = west.describe_key(KeyId=state['key'])['KeyMetadata']['CurrentKeyMaterialId']
    assert after != before and after == east.describe_key(KeyId=state['key'])['KeyMetadata']['CurrentKeyMaterialId']
    fresh = west.encrypt(KeyId=state['key'], Plaintext=b'after rotation')['CiphertextBlob']
    assert east.decrypt(CiphertextBlob=fresh)['Plaintext'] == b'after rotation'
    assert west.decrypt(CiphertextBlob=state['sealed'], EncryptionContext=state['ctx'])['Plaintext'] == b'written in us-east-1'


def update_primary_region():
    out = east.update_primary_region(KeyId=state['key'], PrimaryRegion=WEST)
    assert set(out) == {'ResponseMetadata'}, out
    now_primary = west.describe_key(KeyId=state['key'])['KeyMetadata']['MultiRegionConfiguration']
    now_replica = east.describe_key(KeyId=state['key'])['KeyMetadata']['MultiRegionConfiguration']
    assert now_primary == {'MultiRegionKeyType': 'PRIMARY', 'PrimaryKey': entry(WEST), 'ReplicaKeys': [entry(EAST)]}, now_primary
    assert now_replica == {'MultiRegionKeyType': 'REPLICA', 'PrimaryKey': entry(WEST), 'ReplicaKeys': [entry(EAST)]}, now_replica
    # Rotation is the new primary's to manage now.
    expect(east.exceptions.UnsupportedOperationException, east.disable_key_rotation, KeyId=state['key'])
    assert west.get_key_rotation_status(KeyId=state['key'])['RotationPeriodInDays'] == 180


def delete_primary_with_replica():
    out = west.schedule_key_deletion(KeyId=state['key'], PendingWindowInDays=7)
    assert out['KeyState'] == 'PendingReplicaDeletion', out
    assert out['PendingWindowInDays'] == 7 and 'DeletionDate' not in out, out
    md = west.describe_key(KeyId=state['key'])['KeyMetadata']
    assert md['KeyState'] == 'PendingReplicaDeletion' and md['PendingDeletionWindowInDays'] == 7 and 'DeletionDate' not in md, md
    expect(west.exceptions.KMSInvalidStateException, west.encrypt, KeyId=state['key'], Plaintext=b'x')
    # The replica lives on by itself, and schedules its own deletion.
    assert east.decrypt(CiphertextBlob=state['sealed'], EncryptionContext=state['ctx'])['Plaintext'] == b'written in us-east-1'
    replica = east.schedule_key_deletion(KeyId=state['key'], PendingWindowInDays=7)
    assert replica['KeyState'] == 'PendingDeletion' and 'DeletionDate' in replica, replica


run('kms_multi_region', [
    ('create_primary', create_primary),
    ('replicate', replicate),
    ('describe_both', describe_both),
    ('cross_region_cryptography', cross_region_cryptography),
    ('replica_has_its_own_policy_aliases_and_state', replica_has_its_own_policy_aliases_and_state),
    ('refusals', refusals),
    ('rotation_reaches_the_replica', rotation_reaches_the_replica),
    ('update_primary_region', update_primary_region),
    ('delete_primary_with_replica', delete_primary_with_replica),
])
