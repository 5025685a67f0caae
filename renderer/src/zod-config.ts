import { z } from 'zod';

// The CSP forbids eval (contract/csp.ts). Zod would otherwise probe `new Function('')` to decide
// whether to compile parsers, and each probe is reported as a CSP violation. Imported first by main.tsx.
z.config({ jitless: true });
