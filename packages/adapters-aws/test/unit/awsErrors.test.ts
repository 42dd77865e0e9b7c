import { ServerException } from '@aws-sdk/client-ecr';
import {
  AccessDeniedException,
  InternalException,
  InvalidAccessException,
  InvalidInputException,
  LimitExceededException,
} from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { describeError, errorName, httpStatus, isRetriable, isThrottling } from '../../src/awsErrors.js';
import { sdkError } from './helpers.js';

/** An error as the SDK's generic deserializer builds it for an unmodelled exception. */
const generic = (name: string, httpStatusCode?: number) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $fault: 'client',
    $metadata: httpStatusCode === undefined ? {} : { httpStatusCode },
  });

const network = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:443`), { code });

describe('errorName and httpStatus', () => {
  it('read the modelled name and the HTTP status of an SDK exception', () => {
    const error = sdkError(LimitExceededException, 'Rate exceeded', 429);

    expect(errorName(error)).toBe('LimitExceededException');
    expect(httpStatus(error)).toBe(429);
  });

  it('name a thrown non-Error by its type and give it no status', () => {
    expect(errorName('boom')).toBe('string');
    expect(errorName(undefined)).toBe('undefined');
    expect(httpStatus('boom')).toBeUndefined();
    expect(httpStatus(null)).toBeUndefined();
    expect(httpStatus(new Error('plain'))).toBeUndefined();
  });
});

describe('isThrottling', () => {
  it.each([
    ['LimitExceededException (429)', sdkError(LimitExceededException, 'Rate exceeded', 429)],
    ['any HTTP 429', generic('SomethingElse', 429)],
    ['ThrottlingException without a status', generic('ThrottlingException')],
    ['TooManyRequestsException', generic('TooManyRequestsException', 400)],
    ['ProvisionedThroughputExceededException', generic('ProvisionedThroughputExceededException', 400)],
    ['RequestLimitExceeded', generic('RequestLimitExceeded', 503)],
  ])('recognises %s', (_label, error) => {
    expect(isThrottling(error)).toBe(true);
  });

  it.each([
    ['InternalException (500)', sdkError(InternalException, 'Internal', 500)],
    ['InvalidAccessException (401)', sdkError(InvalidAccessException, 'Not subscribed', 401)],
    ['a network error', network('ECONNRESET')],
    ['a string', 'Throttling'],
  ])('does not take %s for throttling', (_label, error) => {
    expect(isThrottling(error)).toBe(false);
  });
});

describe('isRetriable', () => {
  it.each([
    ['throttling (429)', sdkError(LimitExceededException, 'Rate exceeded', 429)],
    ['a server fault (500)', sdkError(InternalException, 'Internal', 500)],
    ['ServerException of ECR (500)', sdkError(ServerException, 'Server error', 500)],
    ['a 503', generic('ServiceUnavailable', 503)],
    ['ECONNRESET', network('ECONNRESET')],
    ['ECONNREFUSED', network('ECONNREFUSED')],
    ['ETIMEDOUT', network('ETIMEDOUT')],
    ['a TimeoutError', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })],
  ])('retries %s', (_label, error) => {
    expect(isRetriable(error)).toBe(true);
  });

  it.each([
    ['InvalidAccessException (401)', sdkError(InvalidAccessException, 'Not subscribed', 401)],
    ['AccessDeniedException (403)', sdkError(AccessDeniedException, 'Denied', 403)],
    ['InvalidInputException (400)', sdkError(InvalidInputException, 'Invalid', 400)],
    ['a plain Error', new Error('bug')],
    ['a TypeError', new TypeError('x is not a function')],
    ['a non-Error', 42],
    ['null', null],
  ])('does not retry %s', (_label, error) => {
    expect(isRetriable(error)).toBe(false);
  });
});

describe('describeError', () => {
  it('gives name, HTTP status and message on one line', () => {
    expect(describeError(sdkError(LimitExceededException, 'Rate exceeded', 429))).toBe(
      'LimitExceededException (HTTP 429): Rate exceeded',
    );
  });

  it('leaves the status out when there is none', () => {
    expect(describeError(network('ECONNRESET'))).toBe('Error: connect ECONNRESET 127.0.0.1:443');
  });

  it('describes a thrown non-Error', () => {
    expect(describeError('boom')).toBe('string: boom');
  });
});
