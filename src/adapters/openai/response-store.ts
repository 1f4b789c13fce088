/** Conversations behind `previous_response_id`: the messages a response saw plus what it answered. Bounded, in memory. */
import type { ChatRequest } from "./chat.js";

type Messages = ChatRequest["messages"];

export class ResponseStore {
  private readonly items = new Map<string, Messages>();
  constructor(private readonly max = 500) {}

  save(id: string, messages: Messages): void {
    this.items.set(id, messages);
    if (this.items.size > this.max) this.items.delete(this.items.keys().next().value!);
  }

  get(id: string): Messages | undefined {
    return this.items.get(id);
  }
}
