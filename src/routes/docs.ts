import { Hono } from "hono";
import { NONCE, secureHeaders, type SecureHeadersVariables } from "hono/secure-headers";
import type { AppEnv } from "../http/context.ts";

/**
 * A self-contained API reference: it reads /api/v1/openapi.json and lists every operation with
 * its parameters, body and responses. No CDN, so it works offline; a strict CSP lets the page run
 * only its own inline script and style (by nonce) and fetch only from this origin.
 */
const page = (nonce: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>API reference</title>
<style nonce="${nonce}">
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2328}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de}
.op{border:1px solid #d0d7de;border-radius:6px;margin:.6rem 0;padding:.5rem .8rem}
.m{display:inline-block;min-width:4.2rem;font-weight:700;text-transform:uppercase}
.get{color:#0969da}.post{color:#1a7f37}.patch{color:#9a6700}.delete{color:#cf222e}
code,pre{font:13px ui-monospace,monospace;background:#f6f8fa;border-radius:4px}pre{padding:.5rem;overflow:auto}
.lock{font-size:12px;color:#57606a}
</style></head><body>
<h1 id="title">API reference</h1><p id="desc"></p><div id="ops">Loading…</div>
<script nonce="${nonce}">
fetch("/api/v1/openapi.json").then(r=>r.json()).then(doc=>{
  const esc=s=>String(s).replace(/[&<>"]/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
  const resolve=s=>s&&s.$ref?doc.components.schemas[s.$ref.split("/").pop()]:s;
  document.getElementById("title").textContent=doc.info.title+" "+doc.info.version;
  document.getElementById("desc").textContent=doc.info.description||"";
  const byTag={};
  for(const [path,ops] of Object.entries(doc.paths))for(const [method,op] of Object.entries(ops)){
    (byTag[(op.tags||["Other"])[0]]??=[]).push({path,method,op});
  }
  let html="";
  for(const [tag,ops] of Object.entries(byTag)){
    html+="<h2>"+esc(tag)+"</h2>";
    for(const {path,method,op} of ops){
      html+='<div class="op"><span class="m '+method+'">'+method+"</span><code>"+esc(path)+"</code> "+esc(op.summary||"");
      if(op.security&&op.security.length)html+=' <span class="lock">(bearer token)</span>';
      const params=(op.parameters||[]).map(p=>"<code>"+esc(p.name)+"</code> ("+p.in+(p.required?", required":"")+")"+(p.description?" "+esc(p.description):""));
      if(params.length)html+="<div>Parameters: "+params.join("; ")+"</div>";
      const body=op.requestBody&&op.requestBody.content["application/json"];
      if(body)html+="<div>Body:</div><pre>"+esc(JSON.stringify(resolve(body.schema),null,2))+"</pre>";
      html+="<div>Responses: "+Object.entries(op.responses).map(([s,r])=>"<code>"+s+"</code> "+esc(r.description)).join(", ")+"</div></div>";
    }
  }
  document.getElementById("ops").innerHTML=html;
}).catch(e=>{document.getElementById("ops").textContent="Could not load the OpenAPI document: "+e});
</script></body></html>`;

const csp = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: [NONCE],
    styleSrc: [NONCE],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
});

export const docsRoutes = new Hono<AppEnv & { Variables: SecureHeadersVariables }>().get("/", csp, (c) => c.html(page(c.var.secureHeadersNonce ?? "")));
