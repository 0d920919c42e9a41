export { type Customer, CustomerStore } from './store.ts';
