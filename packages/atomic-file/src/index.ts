export { temporaryPathFor } from './temporary-path.js';
export { writeFileAtomic, writeFileAtomicSync, type AtomicContent } from './write-file-atomic.js';
export { commitTemporary } from './commit-temporary.js';
export { writeDirectoryAtomic, symlinkAtomic } from './write-directory-atomic.js';
export { syncDirectory } from './sync-directory.js';
