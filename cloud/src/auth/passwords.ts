// Console users' password hashes use the one scrypt implementation of @hcc/shared.
export { hashPassword, verifyPassword } from '@hcc/shared';
