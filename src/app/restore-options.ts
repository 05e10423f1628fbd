// The restore choices the front ends offer, as the restorer defines them.
export { OVERWRITE_POLICIES, type OverwritePolicy } from '../engine/restorer/restore-policy.ts';
