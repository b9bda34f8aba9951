// The partner portal page: calls /partner/v1 through the gateway with the partner's API key.
// Everything received is written with textContent, never parsed as HTML.
"use strict";

const POLL_MS = 1000;
const POLL_LIMIT_MS = 5 * 60 * 1000;
const FINAL_STATUSES = new Set(["completed", "failed"]);
const STATUS_LABELS = {
  accepted: "accepted",
  in_erp: "in the ERP",
  completed: "completed",
  failed: "failed",
  needs_attention: "accepted, being finished by our team",
};

const state = {
  apiBase: "",
  apiKey: "",
  search: "",
  nextCursor: null,
  products: new Map(),
  cart: new Map(),
  // One key per intended order: a resend after a lost answer replays instead of ordering twice.
  orderKey: null,
  pollTimer: null,
};

const $ = (id) => document.getElementById(id);

class ProblemError extends Error {
  constructor(status, problem) {
    super(problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

function describe(error) {
  if (!(error instanceof ProblemError)) {
    return `The portal cannot be reached right now (${error.message}).`;
  }
  const { title, detail, errors } = error.problem;
  const fields = (errors || []).map((item) => `${item.pointer}: ${item.detail}`);
  return [title, detail, ...fields].filter(Boolean).join(" — ");
}

function showMessage(text, kind = "error") {
  const message = $("message");
  message.textContent = text;
  message.className = kind;
  message.hidden = !text;
}

function newKey() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") {
    return window.crypto.randomUUID();
  }
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function api(path, { method = "GET", body, headers = {} } = {}) {
  const response = await fetch(state.apiBase + path, {
    method,
    headers: {
      Accept: "application/json",
      apikey: state.apiKey,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let payload = {};
  try {
    payload = text ? JSON.parse(text) : {};
  } catch {
    payload = { title: `Unexpected answer (HTTP ${response.status})` };
  }
  if (!response.ok) {
    throw new ProblemError(response.status, payload);
  }
  return payload;
}

function money(value) {
  if (!value) {
    return "—";
  }
  const amount = Number(value.amount);
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: value.currency })
      .format(amount);
  } catch {
    return `${value.amount} ${value.currency}`;
  }
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) {
    td.className = className;
  }
  row.appendChild(td);
  return td;
}

// --- account --------------------------------------------------------------------------------

async function loadAccount() {
  const account = await api("/partner/v1/account");
  $("account-name").textContent = account.name;
  $("account-number").textContent = account.accountNumber;
  const credit = account.credit;
  if (credit.status === "ok") {
    $("credit-available").textContent = money(credit.available);
    $("credit-limit").textContent = money(credit.limit);
  } else {
    const text = credit.status === "none" ? "no credit account" : "not available right now";
    $("credit-available").textContent = text;
    $("credit-limit").textContent = text;
  }
}

// --- catalog --------------------------------------------------------------------------------

function availabilityText(availability) {
  const labels = {
    in_stock: "in stock",
    low: "low stock",
    out_of_stock: "out of stock",
    unknown: "unknown",
  };
  const label = labels[availability.status] || availability.status;
  return availability.quantity === null || availability.quantity === undefined
    ? label
    : `${label} (${availability.quantity})`;
}

function productRow(item) {
  const row = document.createElement("tr");
  row.dataset.sku = item.sku;
  cell(row, item.sku);
  cell(row, item.name);
  cell(row, money(item.unitPrice));
  const availability = item.availability;
  cell(row, availabilityText(availability), `availability-${availability.status}`);
  const quantityCell = document.createElement("td");
  const quantity = document.createElement("input");
  quantity.type = "number";
  quantity.min = "1";
  quantity.step = "1";
  quantity.value = "1";
  quantity.setAttribute("aria-label", `Quantity of ${item.sku}`);
  quantityCell.appendChild(quantity);
  row.appendChild(quantityCell);
  const actionCell = document.createElement("td");
  const add = document.createElement("button");
  add.type = "button";
  add.textContent = "Add";
  add.setAttribute("aria-label", `Add ${item.sku}`);
  add.disabled = item.unitPrice === null || availability.status === "out_of_stock";
  add.addEventListener("click", () => addToCart(item, quantity.value));
  actionCell.appendChild(add);
  row.appendChild(actionCell);
  return row;
}

async function loadCatalog({ more = false } = {}) {
  const params = new URLSearchParams({ limit: "20" });
  if (state.search) {
    params.set("search", state.search);
  }
  if (more && state.nextCursor) {
    params.set("cursor", state.nextCursor);
  }
  const page = await api(`/partner/v1/catalog?${params}`);
  const rows = $("catalog-rows");
  if (!more) {
    rows.replaceChildren();
  }
  for (const item of page.items) {
    state.products.set(item.sku, item);
    rows.appendChild(productRow(item));
  }
  state.nextCursor = page.nextCursor;
  $("more-products").hidden = !page.nextCursor;
}

// --- cart and order -------------------------------------------------------------------------

function addToCart(item, quantityText) {
  const quantity = Number.parseInt(quantityText, 10);
  if (!Number.isInteger(quantity) || quantity < 1) {
    showMessage(`Enter a whole quantity of at least 1 for ${item.sku}.`);
    return;
  }
  const current = state.cart.get(item.sku) || 0;
  state.cart.set(item.sku, current + quantity);
  state.orderKey = null;
  showMessage("");
  renderCart();
}

function renderCart() {
  const list = $("cart-lines");
  list.replaceChildren();
  for (const [sku, quantity] of state.cart) {
    const item = state.products.get(sku);
    const line = document.createElement("li");
    line.dataset.sku = sku;
    line.textContent = `${quantity} × ${sku} ${item ? item.name : ""} `;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", `Remove ${sku}`);
    remove.addEventListener("click", () => {
      state.cart.delete(sku);
      state.orderKey = null;
      renderCart();
    });
    line.appendChild(remove);
    list.appendChild(line);
  }
  $("cart-empty").hidden = state.cart.size > 0;
  $("place-order").disabled = state.cart.size === 0;
}

async function placeOrder() {
  const body = {
    purchaseOrderNumber: $("purchase-order").value.trim(),
    lines: Array.from(state.cart, ([sku, quantity]) => ({ sku, quantity: String(quantity) })),
  };
  const deliveryDate = $("delivery-date").value;
  if (deliveryDate) {
    body.requestedDeliveryDate = deliveryDate;
  }
  state.orderKey = state.orderKey || newKey();
  $("place-order").disabled = true;
  try {
    const order = await api("/partner/v1/orders", {
      method: "POST",
      body,
      headers: { "Idempotency-Key": state.orderKey, Prefer: "respond-async" },
    });
    state.cart.clear();
    state.orderKey = null;
    renderCart();
    $("purchase-order").value = suggestedPurchaseOrder();
    showMessage(`Order ${body.purchaseOrderNumber} received.`, "info");
    followOrder(order);
  } catch (error) {
    showMessage(describe(error));
  } finally {
    $("place-order").disabled = state.cart.size === 0;
  }
}

function renderOrder(order) {
  $("tracking").hidden = false;
  $("order-id").textContent = order.orderId;
  const status = $("order-status");
  status.textContent = STATUS_LABELS[order.status] || order.status;
  status.dataset.status = order.status;
  status.className = `status-${order.status}`;
  $("order-erp-number").textContent = order.erpOrderNumber || "—";
  $("order-total").textContent = money(order.total);
  $("order-delivery").textContent = order.deliveryStatus || "—";
  $("order-billing").textContent = order.billingStatus || "—";
  const failure = $("order-failure");
  failure.hidden = !order.failure && !order.notice;
  failure.textContent = order.failure
    ? [order.failure.title, order.failure.detail].filter(Boolean).join(" — ")
    : order.notice || "";
}

function followOrder(order) {
  window.clearTimeout(state.pollTimer);
  renderOrder(order);
  const started = Date.now();
  const poll = async () => {
    try {
      const current = await api(`/partner/v1/orders/${encodeURIComponent(order.orderId)}`);
      renderOrder(current);
      if (FINAL_STATUSES.has(current.status)) {
        loadOrders().catch((error) => showMessage(describe(error)));
        return;
      }
    } catch (error) {
      showMessage(describe(error));
    }
    if (Date.now() - started < POLL_LIMIT_MS) {
      state.pollTimer = window.setTimeout(poll, POLL_MS);
    }
  };
  if (!FINAL_STATUSES.has(order.status)) {
    state.pollTimer = window.setTimeout(poll, POLL_MS);
  } else {
    loadOrders().catch((error) => showMessage(describe(error)));
  }
}

// --- orders ---------------------------------------------------------------------------------

async function loadOrders() {
  const page = await api("/partner/v1/orders?limit=10");
  const rows = $("order-rows");
  rows.replaceChildren();
  for (const order of page.items) {
    const row = document.createElement("tr");
    row.dataset.orderId = order.orderId;
    cell(row, order.purchaseOrderNumber || "—");
    cell(row, STATUS_LABELS[order.status] || order.status, `status-${order.status}`);
    cell(row, order.erpOrderNumber || "—");
    cell(row, money(order.total));
    cell(row, order.deliveryStatus || "—");
    cell(row, order.billingStatus || "—");
    row.addEventListener("click", () => followOrder(order));
    rows.appendChild(row);
  }
}

// --- start ----------------------------------------------------------------------------------

function suggestedPurchaseOrder() {
  const stamp = new Date().toISOString().replace(/[-:T.Z]/g, "").slice(0, 14);
  return `PO-${stamp}`;
}

async function connect(event) {
  event.preventDefault();
  state.apiKey = $("api-key").value.trim();
  showMessage("");
  try {
    await loadAccount();
    $("portal").hidden = false;
    await Promise.all([loadCatalog(), loadOrders()]);
  } catch (error) {
    $("portal").hidden = true;
    showMessage(describe(error));
  }
}

async function start() {
  try {
    const response = await fetch("config.json", { headers: { Accept: "application/json" } });
    if (response.ok) {
      state.apiBase = (await response.json()).apiBaseUrl || "";
    }
  } catch {
    // Without a configuration the API is on the page's own origin (the gateway).
  }
  $("purchase-order").value = suggestedPurchaseOrder();
  $("connect-form").addEventListener("submit", connect);
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.search = $("search").value.trim();
    loadCatalog().catch((error) => showMessage(describe(error)));
  });
  $("more-products").addEventListener("click", () => {
    loadCatalog({ more: true }).catch((error) => showMessage(describe(error)));
  });
  $("order-form").addEventListener("submit", (event) => {
    event.preventDefault();
    placeOrder();
  });
  $("purchase-order").addEventListener("input", () => {
    state.orderKey = null;
  });
  $("refresh-orders").addEventListener("click", () => {
    loadOrders().catch((error) => showMessage(describe(error)));
  });
  document.body.dataset.ready = "true";
}

start();
