// What the state object of every media tag (editor/audio/, editor/image/) starts from: the mount context
// the editor gives a tag, kept under the same names, so each tag's parts read it the same way.

export class TagState {
  constructor(ctx) {
    this.ctx = ctx;
    this.store = ctx.store;
    this.schema = ctx.schema;
    this.tag = ctx.tag;
    this.editor = ctx.editor;
    this.name = ctx.tag.name;
  }
}
