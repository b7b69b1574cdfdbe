"""Shared plumbing for the boto3 black-box scripts: a KMS client for a Keywarden endpoint, steps
that report what passed, and the one JSON line the Node test reads."""
import datetime
import json
import sys
import time
import traceback

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ACCOUNT = '111122223333'
REGION = 'us-east-1'


def client(endpoint, region=REGION, key='test', secret='test', **config):
    return boto3.client(
        'kms',
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={'max_attempts': 1}, **config),
    )


def key_arn(key_id, region=REGION):
    return f'arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}'


def alias_arn(name, region=REGION):
    return f'arn:aws:kms:{region}:{ACCOUNT}:{name}'


def expect(exc_class, fn, *args, **kwargs):
    """Calls fn and returns the exception it raised, which must be exactly of the modelled class."""
    try:
        fn(*args, **kwargs)
    except exc_class as e:
        return e
    except ClientError as e:
        err = e.response.get('Error', {})
        raise AssertionError(f'expected {exc_class.__name__}, got ClientError {err.get("Code")}: {err.get("Message")}') from None
    raise AssertionError(f'expected {exc_class.__name__}, but the call succeeded')


def expect_code(code, fn, *args, **kwargs):
    """For errors boto3 has no class for (not in the KMS model): a plain ClientError with this code."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        got = e.response.get('Error', {}).get('Code')
        assert got == code, f'expected {code}, got {got}: {e}'
        return e
    raise AssertionError(f'expected {code}, but the call succeeded')


def message(e):
    return e.response['Error']['Message']


def status(e):
    return e.response['ResponseMetadata']['HTTPStatusCode']


def near(when, expected_epoch, tolerance, what):
    assert isinstance(when, datetime.datetime), f'{what} should be a datetime, got {when!r}'
    assert when.tzinfo is not None, f'{what} should be timezone-aware'
    delta = abs(when.timestamp() - expected_epoch)
    assert delta <= tolerance, f'{what} {when.isoformat()} is {delta:.0f}s away from the expected time'


def run(script, steps, keep_going=False):
    """Runs (name, fn) steps in order; prints one JSON line; exits 1 if any step failed."""
    passed, failed = [], []
    for name, fn in steps:
        try:
            fn()
            passed.append(name)
        except Exception as e:  # noqa: BLE001 - every failure is reported, not just assertions
            traceback.print_exc(file=sys.stderr)
            failed.append({'step': name, 'error': f'{type(e).__name__}: {e}'})
            if not keep_going:
                break
    print(json.dumps({'script': script, 'ok': not failed, 'passed': passed, 'failed': failed}))
    sys.exit(1 if failed else 0)


now = time.time
DAY = 86400
