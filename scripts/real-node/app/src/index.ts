import express from "express";
import { orders } from "./orders";
import { config } from "./config";

const app = express();
app.use(express.json());
app.use("/orders", orders);
app.get("/health", (_req, res) => {
  res.json({ ok: true });
});
app.listen(config.port, () => {
  console.log(`orders-service listening on ${config.port}`);
});
