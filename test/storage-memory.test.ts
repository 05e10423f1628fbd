import { storageContractSuite } from './support/storage-contract.ts';
import { MemoryStore } from '../src/storage/memory/memory-store.ts';

storageContractSuite('memory', async () => ({ store: new MemoryStore({ name: 'contract' }), cleanup: async () => {} }));
