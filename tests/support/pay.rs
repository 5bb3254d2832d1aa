//! Paying a sandbox checkout the way a browser does: load the hosted page (which issues the
//! form's anti-CSRF token), then submit the form with it. Included with
//! `#[path = "support/pay.rs"] mod pay_form;` by tests that do not use the rest of `support`.

#![allow(clippy::unwrap_used)]

/// GETs the pay page at `url`, then POSTs `card` with the page's form token. Redirects are
/// not followed, so a success answers 303.
#[allow(dead_code)]
pub async fn submit(client: &reqwest::Client, url: &str, card: &str) -> reqwest::Response {
    let page = client.get(url).send().await.unwrap().text().await.unwrap();
    let token =
        page.split("name=csrf value=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default().to_string();
    client.post(url).form(&[("card", card), ("csrf", token.as_str())]).send().await.unwrap()
}
