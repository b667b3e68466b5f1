import { Router } from "express";
import { randomUUID as uuid } from "node:crypto";
import dayjs from "dayjs";
import _ from "lodash";

export interface Order {
  id: string;
  items: { sku: string; quantity: number; price: number }[];
  createdAt: string;
}

const store = new Map<string, Order>();
export const orders = Router();

orders.post("/", (req, res) => {
  const order: Order = { id: uuid(), items: req.body.items ?? [], createdAt: dayjs().toISOString() };
  store.set(order.id, order);
  res.status(201).json(order);
});

orders.get("/:id", (req, res) => {
  const order = store.get(req.params.id);
  if (!order) return res.status(404).end();
  res.json({ ...order, total: _.sumBy(order.items, (i) => i.quantity * i.price) });
});
