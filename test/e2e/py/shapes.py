"""Checks KMS answers, as they came over the wire, against their output shapes in botocore's KMS
model: every member is one the shape has, of the shape's type, within its enum and length
constraints, and every required member is there. Register `watch(client)` to check every answer
a boto3 client receives."""
import base64
import binascii
import json
from collections import Counter

import botocore.session

MODEL = botocore.session.get_session().get_service_model('kms')
checked = Counter()


def check_output(operation, body):
    """Raises AssertionError naming every way `body` (the parsed JSON answer) breaks the shape."""
    problems = []
    shape = MODEL.operation_model(operation).output_shape
    if shape is None:
        # Operations with no output (PutKeyPolicy, EnableKey, ...) answer an empty object.
        if body != {}:
            problems.append(f'{operation} has no output shape, but answered {body!r}')
    else:
        _check(shape, body, operation, problems)
    if problems:
        raise AssertionError(f"{operation} answer does not match botocore's output shape: " + '; '.join(problems))
    checked[operation] += 1


def check_error(body):
    """An error answer is `__type` and, when AWS has one, a `message` string: nothing else."""
    assert isinstance(body, dict) and isinstance(body.get('__type'), str), body
    assert set(body) <= {'__type', 'message'}, body
    assert isinstance(body.get('message', ''), str), body


def watch(client):
    def after_call(http_response, model, **_):
        body = json.loads(http_response.content or b'{}')
        if http_response.status_code == 200:
            check_output(model.name, body)
        else:
            check_error(body)

    client.meta.events.register('after-call.kms', after_call)
    return client


def _bounds(shape, size, path, problems):
    low, high = shape.metadata.get('min'), shape.metadata.get('max')
    if low is not None and size < low:
        problems.append(f'{path}: {size} below the minimum {low}')
    if high is not None and size > high:
        problems.append(f'{path}: {size} above the maximum {high}')


def _check(shape, value, path, problems):
    kind = shape.type_name
    if kind == 'structure':
        if not isinstance(value, dict):
            problems.append(f'{path}: expected an object, got {type(value).__name__}')
            return
        for name in shape.required_members:
            if name not in value:
                problems.append(f'{path}.{name}: required member missing')
        for name, item in value.items():
            if name not in shape.members:
                problems.append(f'{path}.{name}: not a member of {shape.name}')
            else:
                _check(shape.members[name], item, f'{path}.{name}', problems)
    elif kind == 'list':
        if not isinstance(value, list):
            problems.append(f'{path}: expected a list')
            return
        _bounds(shape, len(value), path, problems)
        for i, item in enumerate(value):
            _check(shape.member, item, f'{path}[{i}]', problems)
    elif kind == 'map':
        if not isinstance(value, dict):
            problems.append(f'{path}: expected a map')
            return
        for k, item in value.items():
            _check(shape.key, k, f'{path} key', problems)
            _check(shape.value, item, f'{path}.{k}', problems)
    elif kind == 'string':
        if not isinstance(value, str):
            problems.append(f'{path}: expected a string, got {value!r}')
            return
        if shape.enum and value not in shape.enum:
            problems.append(f'{path}: {value!r} is not in the enum of {shape.name}')
        _bounds(shape, len(value), path, problems)
    elif kind == 'blob':
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, TypeError, ValueError):
            problems.append(f'{path}: not base64')
            return
        _bounds(shape, len(raw), path, problems)
    elif kind == 'boolean':
        if not isinstance(value, bool):
            problems.append(f'{path}: expected a boolean, got {value!r}')
    elif kind in ('integer', 'long'):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f'{path}: expected an integer, got {value!r}')
    elif kind == 'timestamp':
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f'{path}: expected epoch seconds, got {value!r}')
    else:
        problems.append(f'{path}: unexpected shape type {kind}')
