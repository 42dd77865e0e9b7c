/**
 * Registers the aws-sdk-client-mock-vitest matchers (`toHaveReceivedCommandWith`, ...) on vitest's
 * `expect` and declares their types. Import it first in each unit test file.
 *
 * It also silences, on purpose, the SDK's one-off "NodeVersionSupportWarning" process warning
 * (emitted when the first client is constructed on Node < 22): it is about the machine, not the
 * code under test, and would be a stray line in the test output.
 */
import 'aws-sdk-client-mock-vitest/extend';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
