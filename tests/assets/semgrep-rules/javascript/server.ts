// Targets for secpipe's JavaScript rules run on TypeScript (see app.js for the markers).

import { exec } from "node:child_process";
import * as cp from "node:child_process";
import { createHash, createCipheriv, randomBytes } from "node:crypto";
import * as tls from "node:tls";
import yaml from "js-yaml";
import { unserialize } from "node-serialize";
import type { Request, Response } from "express";

export function ping(req: Request, res: Response): void {
  const host: string = String(req.query.host);
  // ruleid: javascript.injection.child-process-exec
  exec(`ping -c 1 ${host}`, (err, out) => res.send(out));
  // ruleid: javascript.injection.child-process-exec
  cp.execSync("dig " + host);
  // ok: javascript.injection.child-process-exec
  cp.execFileSync("ping", ["-c", "1", host]);
}

export async function findUser(req: Request): Promise<unknown> {
  const name: string = String(req.query.name);
  // ruleid: javascript.injection.sql-string-concat
  await prisma.$queryRawUnsafe(`SELECT * FROM "User" WHERE name = '${name}'`);
  // ok: javascript.injection.sql-string-concat
  await prisma.$queryRaw`SELECT * FROM "User" WHERE name = ${name}`;
  // ruleid: javascript.injection.sql-string-concat
  return knex.raw("SELECT * FROM users ORDER BY " + req.query.sort);
}

export function restore(req: Request): unknown {
  // ruleid: javascript.deserialization.node-serialize
  const state = unserialize(req.body.state);
  // ruleid: javascript.deserialization.js-yaml-unsafe-load
  const doc = yaml.load(req.body.document as string);
  // ruleid: javascript.code-injection.eval
  const value: unknown = eval(`(${req.body.value})`);
  return { state, doc, value };
}

export function hash(data: string): string {
  // ruleid: javascript.crypto.weak-hash
  createHash("md5").update(data);
  // ruleid: javascript.crypto.weak-cipher
  createCipheriv("bf-cbc", Buffer.alloc(16), Buffer.alloc(8));
  // ok: javascript.crypto.weak-hash
  return createHash("sha512").update(data).digest("hex");
}

class ApiClient {
  // ruleid: javascript.credentials.hardcoded
  private readonly apiKey: string = "sk_live_51HxQ2aLkd93Jd0s";
  // ok: javascript.credentials.hardcoded
  private readonly apiKeyHeader: string = "X-Api-Key";
  // ruleid: javascript.randomness.insecure-random
  private nonce: number = Math.random();
  // ok: javascript.randomness.insecure-random
  private salt: string = randomBytes(16).toString("hex");

  connect(): tls.TLSSocket {
    // ruleid: javascript.tls.reject-unauthorized-false
    return tls.connect({ host: "api", port: 443, checkServerIdentity: () => undefined });
  }
}

export const server = { ApiClient };
// ruleid: javascript.network.bind-all-interfaces
httpServer.listen({ host: "0.0.0.0", port: 8080 });
