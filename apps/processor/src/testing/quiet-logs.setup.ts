import { Logger } from '@nestjs/common';

// Specs assert on outcomes, not on log lines; the pretty console logger would only add noise.
Logger.overrideLogger(false);
