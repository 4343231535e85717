// Preloaded (`node --require`) into every app the harness or `npm start` runs. The launcher holds
// the other end of an IPC channel; the kernel closes it however the launcher dies (Ctrl-C, a closed
// terminal, kill -9, the OOM killer), and the app then drains and exits as on SIGTERM instead of
// living on with its ports and an SQS that is gone.
'use strict';

if (process.channel) {
  // The channel must not keep an app alive that is done.
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
