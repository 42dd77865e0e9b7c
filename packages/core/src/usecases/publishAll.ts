import type { AsffFinding } from '../asff/AsffFinding.js';
import { PublishError } from '../errors.js';
import type { FindingsPublisher, PublishResult } from '../ports.js';

/**
 * Publishes `findings` and fails loudly when any could not be published, so that the event
 * reaches the failure destination instead of losing them: a {@link PublishError} whose message
 * reads "N of M findings <subject> could not be <verb> (codes)".
 */
export async function publishAll(
  publisher: FindingsPublisher,
  findings: readonly AsffFinding[],
  describe: { readonly subject: string; readonly verb: string },
): Promise<PublishResult> {
  const publish = await publisher.publish(findings);
  if (publish.failed.length > 0) {
    const codes = [...new Set(publish.failed.map((f) => f.errorCode))].join(', ');
    throw new PublishError(
      `${publish.failed.length} of ${findings.length} findings ${describe.subject} could not be ${describe.verb} (${codes})`,
      publish.failed,
    );
  }
  return publish;
}
