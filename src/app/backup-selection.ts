// The app layer's view of the archiver's selection rules, for the front ends.
export { parseSize, CACHEDIR_TAG, type SelectionOptions } from '../engine/archiver/selection.ts';
