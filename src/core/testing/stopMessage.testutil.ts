/**
 * Delivers a stop the way a worker receives `train/stop`: as a message task queued now, not a microtask,
 * so a test sees what a loop that yields to the event loop between batches sees.
 */
export function requestStopAsMessage(stop: () => void): void {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    stop();
  };
  channel.port2.postMessage('train/stop');
}
