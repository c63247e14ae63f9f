// A task as a JavaScript module: load it with `loadTask('tasks/contact.task.mjs')`. The default export is a
// definition for `defineTask` (a task built with `defineTask` works too); its output is a plain JSON Schema.

/** @type {import('qwen-tasks').TaskDefinitionInput} */
export default {
  name: 'contact',
  description: 'The contact details of the sender, from an email signature or a message.',
  kind: 'extract',
  format: 'json',
  instructions: 'Extract the contact details of the person who wrote the text. Use null for anything not given.',
  output: {
    type: 'object',
    properties: {
      name: { type: ['string', 'null'], description: 'Full name' },
      email: { type: ['string', 'null'], format: 'email', description: 'Email address' },
      phone: { type: ['string', 'null'], description: 'Phone number as written, with country code when given' },
      company: { type: ['string', 'null'], description: 'Company or organisation' },
      role: { type: ['string', 'null'], description: 'Job title' },
    },
    required: ['name', 'email', 'phone', 'company', 'role'],
    additionalProperties: false,
  },
};
