//! The fields of a checkout request as people fill them in: the console's form shows them,
//! the CLI has a flag for each, and validation names them.

/// One checkout field. The console's form uses these as its field ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    CheckoutType,
    TargetSubscription,
    Plan,
    Period,
    Price,
    Customer,
    Guest,
    BusinessEntity,
    CustomerEmail,
    FirstName,
    LastName,
    Quantity,
    Features,
    ProductOverrides,
    BillingMode,
    Currency,
    TargetAmount,
    StartDate,
    EndDate,
    ExpiresAt,
    SuccessUrl,
    CancelUrl,
    Ip,
    PreserveAnchor,
    OutputName,
    Metadata,
}

impl Field {
    /// Stable names, for presets and for matching provider field errors.
    pub fn key(&self) -> &'static str {
        self.names().0
    }

    /// What people call the field (the form's label without its per-provider hint).
    pub fn label(&self) -> &'static str {
        self.names().1
    }

    /// The `till checkout create` flag that sets it.
    pub fn flag(&self) -> &'static str {
        self.names().2
    }

    fn names(&self) -> (&'static str, &'static str, &'static str) {
        use Field::{
            BillingMode, BusinessEntity, CancelUrl, CheckoutType, Currency, Customer, CustomerEmail, EndDate,
            ExpiresAt, Features, FirstName, Guest, Ip, LastName, Metadata, OutputName, Period, Plan, PreserveAnchor,
            Price, ProductOverrides, Quantity, StartDate, SuccessUrl, TargetAmount, TargetSubscription,
        };
        match self {
            CheckoutType => ("type", "Checkout type", "--type"),
            TargetSubscription => ("subscription", "Target subscription", "--subscription"),
            Plan => ("plan", "Plan", "--plan"),
            Period => ("period", "Charge period", "--period"),
            Price => ("price", "Price", "--price"),
            Customer => ("customer", "Customer", "--customer"),
            Guest => ("guest", "Guest checkout", "--business-entity"),
            BusinessEntity => ("business_entity", "Business entity", "--business-entity"),
            CustomerEmail => ("customer_email", "Customer email", "--customer-email"),
            FirstName => ("first_name", "First name", "--first-name"),
            LastName => ("last_name", "Last name", "--last-name"),
            Quantity => ("quantity", "Quantity", "--quantity"),
            Features => ("features", "Feature quantities", "--feature"),
            ProductOverrides => ("product_overrides", "Product overrides", "--feature/--disable-product"),
            BillingMode => ("billing_mode", "Billing mode", "--billing-mode"),
            Currency => ("currency", "Currency", "--currency"),
            TargetAmount => ("target_amount", "Target amount", "--target-amount"),
            StartDate => ("start_date", "Start date", "--start-date"),
            EndDate => ("end_date", "End date", "--end-date"),
            ExpiresAt => ("expires_at", "Expires at", "--expires-at"),
            SuccessUrl => ("success_url", "Success URL", "--success-url"),
            CancelUrl => ("cancel_url", "Cancel URL", "--cancel-url"),
            Ip => ("ip_address", "IP address", "--ip"),
            PreserveAnchor => {
                ("preserve_billing_cycle_anchor", "Preserve billing cycle anchor", "--preserve-billing-cycle-anchor")
            }
            OutputName => ("output_name", "Output name", "--output-name"),
            Metadata => ("metadata", "Metadata", "--metadata"),
        }
    }

    /// Wire field names a provider may put in a field error, mapped back to the field.
    pub fn from_wire(name: &str) -> Option<Field> {
        let n = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase().replace('_', "");
        use Field::{
            BillingMode, BusinessEntity, CancelUrl, CheckoutType, Currency, Customer, CustomerEmail, EndDate,
            ExpiresAt, Features, FirstName, Ip, LastName, Metadata, OutputName, Period, Plan, PreserveAnchor, Price,
            ProductOverrides, Quantity, StartDate, SuccessUrl, TargetAmount, TargetSubscription,
        };
        Some(match n.as_str() {
            "planidentifier" | "planid" | "plan" => Plan,
            "chargeperiod" | "period" | "interval" => Period,
            "priceid" | "priceslug" | "price" | "targetprice" => Price,
            "customerid" | "customerexternalid" | "customer" => Customer,
            "businessentityid" => BusinessEntity,
            "customeremail" | "email" => CustomerEmail,
            "firstname" => FirstName,
            "lastname" => LastName,
            "quantity" => Quantity,
            "features" => Features,
            "productoverrides" => ProductOverrides,
            "billingmode" => BillingMode,
            "currency" | "currencycode" | "targetcurrency" => Currency,
            "targetamount" | "amount" => TargetAmount,
            "startdate" => StartDate,
            "enddate" => EndDate,
            "expiresat" => ExpiresAt,
            "successurl" => SuccessUrl,
            "cancelurl" => CancelUrl,
            "ipaddress" => Ip,
            "preservebillingcycleanchor" => PreserveAnchor,
            "outputname" => OutputName,
            "metadata" | "outputmetadata" => Metadata,
            "targetsubscriptionid" => TargetSubscription,
            "type" => CheckoutType,
            _ => return None,
        })
    }
}

/// What a checkout session is for, spelled one way for users (kebab-case, as the CLI's
/// `--type` takes it); the snake_case of Flowglad's wire and `product` are accepted as aliases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckoutType {
    Purchase,
    ActivateSubscription,
    AddPaymentMethod,
}

impl CheckoutType {
    pub const ALL: [CheckoutType; 3] =
        [CheckoutType::Purchase, CheckoutType::ActivateSubscription, CheckoutType::AddPaymentMethod];

    pub fn as_str(&self) -> &'static str {
        match self {
            CheckoutType::Purchase => "purchase",
            CheckoutType::ActivateSubscription => "activate-subscription",
            CheckoutType::AddPaymentMethod => "add-payment-method",
        }
    }

    /// An empty value is a purchase, the default.
    pub fn parse(value: &str) -> Result<CheckoutType, String> {
        match value.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "" | "purchase" | "product" => Ok(CheckoutType::Purchase),
            "activate-subscription" => Ok(CheckoutType::ActivateSubscription),
            "add-payment-method" => Ok(CheckoutType::AddPaymentMethod),
            _ => Err(format!("{:?} is not one of purchase, activate-subscription, add-payment-method", value.trim())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkout_types_have_one_spelling_and_accept_the_wire_one() {
        for t in CheckoutType::ALL {
            assert_eq!(CheckoutType::parse(t.as_str()), Ok(t));
            assert!(!t.as_str().contains('_'), "kebab-case for users");
        }
        assert_eq!(CheckoutType::parse("activate_subscription"), Ok(CheckoutType::ActivateSubscription));
        assert_eq!(CheckoutType::parse("ADD_PAYMENT_METHOD"), Ok(CheckoutType::AddPaymentMethod));
        assert_eq!(CheckoutType::parse("product"), Ok(CheckoutType::Purchase));
        assert!(CheckoutType::parse("refund").unwrap_err().contains("activate-subscription"));
    }

    #[test]
    fn provider_field_names_map_back_to_fields() {
        assert_eq!(Field::from_wire("checkoutSession.successUrl"), Some(Field::SuccessUrl));
        assert_eq!(Field::from_wire("planIdentifier"), Some(Field::Plan));
        assert_eq!(Field::from_wire("target_amount"), Some(Field::TargetAmount));
        assert_eq!(Field::from_wire("nonsense"), None);
        assert_eq!((Field::Ip.key(), Field::Ip.flag()), ("ip_address", "--ip"));
    }
}
