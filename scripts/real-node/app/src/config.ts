import "dotenv/config";
import { z } from "zod";

const Env = z.object({
  PORT: z.coerce.number().default(8080),
  DATABASE_URL: z.string().default("postgres://localhost/orders"),
  REDIS_URL: z.string().default("redis://localhost:6379"),
});

const env = Env.parse(process.env);
export const config = { port: env.PORT, database: env.DATABASE_URL, redis: env.REDIS_URL };
