/** Instructor in JSON mode (the peer lives in ../instructor/, which has zod 3). */
import { instructorPeer } from '../instructor/peer.mjs';

export const createPeer = instructorPeer('JSON');
