/** The real CLI killed in every session phase on paperspace, then recovered (see support/kill.ts for how each phase is hit). */
import { describeKills } from './support/kill-suite';

describeKills('paperspace');
