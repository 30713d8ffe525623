// Placeholder until the runtime lands; see include/progmp/runtime/.
