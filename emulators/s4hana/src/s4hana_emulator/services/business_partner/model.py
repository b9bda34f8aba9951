"""The EDM model of API_BUSINESS_PARTNER (the sets a customer master needs).

Properties follow SAP's field catalogue of the service; the e-mail and phone sets follow the
shape of SAP's address communication types. Sets not emulated (suppliers, banks, tax numbers,
contacts, ...) are left out of `$metadata` rather than served empty.
"""

from __future__ import annotations

from s4hana_emulator.odata.model import ServiceModel, entity_set, to_many, to_one

SERVICE = "API_BUSINESS_PARTNER"

BUSINESS_PARTNER = """
    BusinessPartner                 String(10)     key alpha upper [Business Partner]
    Customer                        String(10)     ro alpha upper [Customer]
    Supplier                        String(10)     ro upper     [Supplier]
    AcademicTitle                   String(4)                   [Academic Title 1]
    AuthorizationGroup              String(4)                   [Authorization Group]
    BusinessPartnerCategory         String(1)                   [BP Category]
    BusinessPartnerFullName         String(81)     ro
    BusinessPartnerGrouping         String(4)                   [Grouping]
    BusinessPartnerName             String(81)     ro
    BusinessPartnerUUID             Guid           ro           [BP GUID]
    CorrespondenceLanguage          String(2)                   [Correspondence lang.]
    CreatedByUser                   String(12)     ro           [Created By]
    CreationDate                    DateTime       ro           [Created on]
    CreationTime                    Time           ro           [Created at]
    FirstName                       String(40)                  [First Name]
    FormOfAddress                   String(4)                   [Title]
    Industry                        String(10)                  [Industry sector]
    InternationalLocationNumber1    String(7)                   [Int. location no. 1]
    InternationalLocationNumber2    String(5)                   [Int. location no. 2]
    IsFemale                        Boolean                     [Female]
    IsMale                          Boolean                     [Male]
    IsNaturalPerson                 String(1)                   [Natural Person]
    IsSexUnknown                    Boolean                     [Unknown]
    GenderCodeName                  String(1)                   [Gender]
    Language                        String(2)                   [Language]
    LastChangeDate                  DateTime       ro           [Changed on]
    LastChangeTime                  Time           ro           [Changed at]
    LastChangedByUser               String(12)     ro           [Changed by]
    LastName                        String(40)                  [Last Name]
    LegalForm                       String(2)                   [Legal form]
    OrganizationBPName1             String(40)                  [Name 1]
    OrganizationBPName2             String(40)                  [Name 2]
    OrganizationBPName3             String(40)                  [Name 3]
    OrganizationBPName4             String(40)                  [Name 4]
    OrganizationFoundationDate      DateTime                    [Date founded]
    OrganizationLiquidationDate     DateTime                    [Liquidation date]
    SearchTerm1                     String(20)     upper        [Search Term 1]
    SearchTerm2                     String(20)     upper        [Search Term 2]
    AdditionalLastName              String(40)                  [Other Last Name]
    BirthDate                       DateTime                    [Date of Birth]
    BusinessPartnerBirthDateStatus  String(1)                   [Birth Date Status]
    BusinessPartnerBirthplaceName   String(40)                  [Birthplace]
    BusinessPartnerDeathDate        DateTime                    [Death date]
    BusinessPartnerIsBlocked        Boolean                     [Central Block]
    BusinessPartnerType             String(4)                   [BP Type]
    ETag                            String(26)     ro
    GroupBusinessPartnerName1       String(40)                  [Name 1]
    GroupBusinessPartnerName2       String(40)                  [Name 2]
    IndependentAddressID            String(10)     ro           [Address Number]
    InternationalLocationNumber3    String(1)                   [Check digit]
    MiddleName                      String(40)                  [Middle Name]
    NameCountry                     String(3)                   [Ctry/Reg. for Format]
    NameFormat                      String(2)                   [Name Format]
    PersonFullName                  String(80)                  [Full Name]
    PersonNumber                    String(10)     ro           [Person Number]
    IsMarkedForArchiving            Boolean                     [Archiving Flag]
    BusinessPartnerIDByExtSystem    String(20)                  [External BP Number]
    TradingPartner                  String(6)                   [Trading Partner No.]
"""

ADDRESS = """
    BusinessPartner                 String(10)     key alpha upper [Business Partner]
    AddressID                       String(10)     key alpha upper [Address Number]
    ValidityStartDate               DateTimeOffset              [Valid From]
    ValidityEndDate                 DateTimeOffset              [Valid To]
    AuthorizationGroup              String(4)                   [Authorization Group]
    AddressUUID                     Guid           ro           [GUID of a Business Partner Address]
    AdditionalStreetPrefixName      String(40)                  [Street 3]
    AdditionalStreetSuffixName      String(40)                  [Street 5]
    AddressTimeZone                 String(6)                   [Time zone]
    CareOfName                      String(40)                  [c/o]
    CityCode                        String(12)                  [City Code]
    CityName                        String(40)                  [City]
    CompanyPostalCode               String(10)                  [Company Postal Code]
    Country                         String(3)                   [Country/Region Key]
    County                          String(40)                  [County]
    DeliveryServiceNumber           String(10)                  [Delivery Service No.]
    DeliveryServiceTypeCode         String(4)                   [Delvry Serv Type]
    District                        String(40)                  [District]
    FormOfAddress                   String(4)      ro           [Title]
    FullName                        String(80)     ro           [Full Name]
    HomeCityName                    String(40)                  [Different City]
    HouseNumber                     String(10)                  [House Number]
    HouseNumberSupplementText       String(10)                  [Supplement]
    Language                        String(2)                   [Language Key]
    POBox                           String(10)                  [PO Box]
    POBoxDeviatingCityName          String(40)                  [PO Box City]
    POBoxDeviatingCountry           String(3)                   [PO Box Ctry/Region]
    POBoxDeviatingRegion            String(3)                   [PO Box Region]
    POBoxIsWithoutNumber            Boolean                     [PO Box w/o No.]
    POBoxLobbyName                  String(40)                  [PO Box Lobby]
    POBoxPostalCode                 String(10)                  [PO Box Postal Code]
    Person                          String(10)     ro           [Person Number]
    PostalCode                      String(10)                  [Postal Code]
    PrfrdCommMediumType             String(3)                   [Comm. Method]
    Region                          String(3)                   [Region]
    StreetName                      String(60)                  [Street]
    StreetPrefixName                String(40)                  [Street 2]
    StreetSuffixName                String(40)                  [Street 4]
    TaxJurisdiction                 String(15)                  [Tax Jurisdiction]
    TransportZone                   String(10)                  [Transportation Zone]
    AddressIDByExternalSystem       String(20)                  [External Address No.]
    CountyCode                      String(8)                   [County code]
    TownshipCode                    String(8)                   [Township code]
    TownshipName                    String(40)                  [Township]
"""

ROLE = """
    BusinessPartner                 String(10)     key alpha upper [Business Partner]
    BusinessPartnerRole             String(6)      key upper    [BP Role]
    ValidFrom                       DateTimeOffset              [Valid From]
    ValidTo                         DateTimeOffset              [Valid To]
    AuthorizationGroup              String(4)                   [Authorization Group]
"""

EMAIL_ADDRESS = """
    AddressID                       String(10)     key alpha    [Address Number]
    Person                          String(10)     key          [Person Number]
    OrdinalNumber                   String(3)      key alpha    [Sequence Number]
    IsDefaultEmailAddress           Boolean                     [Standard No.]
    EmailAddress                    String(241)                 [E-Mail Address]
    SearchEmailAddress              String(20)                  [E-Mail Address Search]
    AddressCommunicationRemarkText  String(50)                  [Notes]
"""

PHONE_NUMBER = """
    AddressID                       String(10)     key alpha    [Address Number]
    Person                          String(10)     key          [Person Number]
    OrdinalNumber                   String(3)      key alpha    [Sequence Number]
    DestinationLocationCountry      String(3)                   [Country/Region]
    IsDefaultPhoneNumber            Boolean                     [Standard No.]
    PhoneNumber                     String(30)                  [Telephone]
    PhoneNumberExtension            String(10)                  [Extension]
    InternationalPhoneNumber        String(30)     ro           [Telephone Number]
    PhoneNumberType                 String(1)                   [Telephone Number Type]
    AddressCommunicationRemarkText  String(50)                  [Notes]
"""

URL_ADDRESS = """
    AddressID                       String(10)     key alpha    [Address Number]
    Person                          String(10)     key          [Person Number]
    OrdinalNumber                   String(3)      key alpha    [Sequence Number]
    IsDefaultURLAddress             Boolean                     [Standard No.]
    SearchURLAddress                String(50)     upper        [URI address search]
    AddressCommunicationRemarkText  String(50)                  [Notes]
    URLFieldLength                  Int16                       [URI length]
    WebsiteURL                      String(2048)                [Website]
"""

CUSTOMER = """
    Customer                        String(10)     key alpha upper [Customer]
    AuthorizationGroup              String(4)                   [Authorization]
    BillingIsBlockedForCustomer     String(2)                   [Billing Block]
    CreatedByUser                   String(12)     ro           [Created by]
    CreationDate                    DateTime       ro           [Created on]
    CustomerAccountGroup            String(4)                   [Account Group]
    CustomerClassification          String(2)                   [Customer Classific.]
    CustomerFullName                String(220)    ro           [Customer Name]
    CustomerName                    String(80)     ro           [Name of Customer]
    DeliveryIsBlocked               String(2)                   [Delivery block]
    NFPartnerIsNaturalPerson        String(1)                   [Natural Person]
    OrderIsBlockedForCustomer       String(2)                   [Order Block]
    PostingIsBlocked                Boolean                     [Posting Block]
    Supplier                        String(10)                  [Supplier]
    CustomerCorporateGroup          String(10)                  [Group Key]
    FiscalAddress                   String(10)                  [Fiscal address]
    Industry                        String(4)      ro           [Industry]
    IndustryCode1                   String(10)                  [Industry Code 1]
    IndustryCode2                   String(10)                  [Industry Code 2]
    IndustryCode3                   String(10)                  [Industry Code 3]
    IndustryCode4                   String(10)                  [Industry Code 4]
    IndustryCode5                   String(10)                  [Industry Code 5]
    InternationalLocationNumber1    String(7)                   [Int. location no. 1]
    NielsenRegion                   String(2)                   [Nielsen Indicator]
    ResponsibleType                 String(2)                   [Tax type]
    TaxNumber1                      String(16)     ro           [Tax Number 1]
    TaxNumber2                      String(11)     ro           [Tax Number 2]
    TaxNumber3                      String(18)     ro           [Tax Number 3]
    TaxNumber4                      String(18)     ro           [Tax Number 4]
    TaxNumber5                      String(60)     ro           [Tax Number 5]
    TaxNumberType                   String(2)                   [Tax Number Type]
    VATRegistration                 String(20)                  [VAT Registration No.]
    DeletionIndicator               Boolean                     [Deletion flag]
    ExpressTrainStationName         String(25)                  [Express station]
    TrainStationName                String(25)                  [Train station]
    CityCode                        String(4)                   [City Code]
    County                          String(3)                   [County Code]
"""

CUSTOMER_SALES_AREA = """
    Customer                        String(10)     key alpha upper [Customer]
    SalesOrganization               String(4)      key          [Sales Organization]
    DistributionChannel             String(2)      key          [Distribution Channel]
    Division                        String(2)      key          [Division]
    AccountByCustomer               String(12)                  [Account at customer]
    AuthorizationGroup              String(4)                   [Authorization Group]
    BillingIsBlockedForCustomer     String(2)                   [BBlock for SlsA]
    CompleteDeliveryIsDefined       Boolean                     [Complete Delivery]
    Currency                        String(5)      currency     [Currency]
    CustomerABCClassification       String(2)                   [ABC Classification]
    CustomerAccountAssignmentGroup  String(2)                   [Acct Assmt Grp Cust.]
    CustomerGroup                   String(2)                   [Customer Group]
    CustomerPaymentTerms            String(4)                   [Terms of Payment]
    CustomerPriceGroup              String(2)                   [Customer Price Group]
    CustomerPricingProcedure        String(2)                   [Cust.Pric.Procedure]
    DeliveryIsBlockedForCustomer    String(2)                   [DelBlckSalesAr.]
    DeliveryPriority                String(2)                   [Delivery Priority]
    IncotermsClassification         String(3)                   [Incoterms]
    IncotermsLocation2              String(70)                  [Incoterms Location 2]
    IncotermsVersion                String(4)                   [Incoterms Version]
    IncotermsLocation1              String(70)                  [Incoterms Location 1]
    DeletionIndicator               Boolean                     [Del.ID SlsArea]
    IncotermsTransferLocation       String(28)                  [Incoterms (Part 2)]
    InvoiceDate                     String(2)                   [Invoicing Dates]
    ItemOrderProbabilityInPercent   String(3)                   [Order Probability]
    OrderCombinationIsAllowed       Boolean                     [Order Combination]
    OrderIsBlockedForCustomer       String(2)                   [Ord.blk:sls ar.]
    PartialDeliveryIsAllowed        String(1)                   [Partial Deliv./Item]
    PriceListType                   String(2)                   [Price List Type]
    SalesGroup                      String(3)                   [Sales Group]
    SalesOffice                     String(4)                   [Sales Office]
    ShippingCondition               String(2)                   [Shipping Conditions]
    SupplyingPlant                  String(4)                   [Delivering Plant]
    SalesDistrict                   String(6)                   [Sales District]
    InvoiceListSchedule             String(2)                   [Invoice List Sched.]
    ExchangeRateType                String(4)                   [Exchange Rate Type]
    AdditionalCustomerGroup1        String(3)                   [Customer Group 1]
    AdditionalCustomerGroup2        String(3)                   [Customer Group 2]
    AdditionalCustomerGroup3        String(3)                   [Customer Group 3]
    AdditionalCustomerGroup4        String(3)                   [Customer Group 4]
    AdditionalCustomerGroup5        String(3)                   [Customer Group 5]
    PaymentGuaranteeProcedure       String(4)                   [Paymt guarant. proc.]
    CustomerAccountGroup            String(4)                   [Account Group]
"""

CUSTOMER_COMPANY = """
    Customer                        String(10)     key alpha upper [Customer]
    CompanyCode                     String(4)      key          [Company Code]
    APARToleranceGroup              String(4)                   [Tolerance Group]
    AccountByCustomer               String(12)                  [Account at customer]
    AccountingClerk                 String(2)                   [Clerk Abbrev.]
    AccountingClerkFaxNumber        String(31)                  [Acctg clerk's fax]
    AccountingClerkInternetAddress  String(130)                 [Clrk's internet add.]
    AccountingClerkPhoneNumber      String(30)                  [Acct.clerks tel.no.]
    AlternativePayerAccount         String(10)                  [Alternative payer]
    AuthorizationGroup              String(4)                   [Authorization]
    CollectiveInvoiceVariant        String(1)                   [Coll.Invoice Variant]
    CustomerAccountNote             String(30)                  [Account Memo]
    CustomerHeadOffice              String(10)                  [Head office]
    CustomerSupplierClearingIsUsed  Boolean                     [Clearing with vendor]
    HouseBank                       String(5)                   [House Bank]
    InterestCalculationCode         String(2)                   [Interest indicator]
    InterestCalculationDate         DateTime                    [Last Key Date]
    IntrstCalcFrequencyInMonths     String(2)                   [Int.Calc.Freq.]
    IsToBeLocallyProcessed          Boolean                     [Local Processing]
    ItemIsToBePaidSeparately        Boolean                     [Individual Payment]
    LayoutSortingRule               String(3)                   [Sort Key]
    PaymentBlockingReason           String(1)                   [Payment Block]
    PaymentMethodsList              String(10)                  [Payment Methods]
    PaymentTerms                    String(4)                   [Terms of Payment]
    PaytAdviceIsSentbyEDI           Boolean                     [Pmnt advice by EDI]
    PhysicalInventoryBlockInd       Boolean                     [Co.code post.block]
    ReconciliationAccount           String(10)                  [Reconciliation Acct]
    RecordPaymentHistoryIndicator   Boolean                     [Record Pmnt History]
    UserAtCustomer                  String(15)                  [User at customer]
    DeletionIndicator               Boolean                     [Co.cde deletion flag]
    CashPlanningGroup               String(10)                  [Planning Group]
    KnownOrNegotiatedLeave          String(4)                   [Known/Negotiat.Leave]
    ValueAdjustmentKey              String(2)                   [Value Adjustment]
    CustomerAccountGroup            String(4)                   [Account Group]
"""

SALES_PARTNER_FUNCTION = """
    Customer                        String(10)     key alpha upper [Customer]
    SalesOrganization               String(4)      key          [Sales Organization]
    DistributionChannel             String(2)      key          [Distribution Channel]
    Division                        String(2)      key          [Division]
    PartnerCounter                  String(3)      key alpha    [Partner counter]
    PartnerFunction                 String(2)      key          [Partner Function]
    BPCustomerNumber                String(10)     upper        [Customer]
    CustomerPartnerDescription      String(30)                  [Partner Description]
    DefaultPartner                  Boolean                     [Default Partner]
    Supplier                        String(10)                  [Supplier]
    PersonnelNumber                 String(8)                   [Personnel Number]
    ContactPerson                   String(10)                  [Contact Person]
    AuthorizationGroup              String(4)                   [Authorization]
"""

SALES_AREA_KEY = (
    ("Customer", "Customer"),
    ("SalesOrganization", "SalesOrganization"),
    ("DistributionChannel", "DistributionChannel"),
    ("Division", "Division"),
)


def build_model() -> ServiceModel:
    """API_BUSINESS_PARTNER: partners, addresses, roles, customers and their sales areas."""
    partner = ("BusinessPartner", "BusinessPartner")
    customer = ("Customer", "Customer")
    address = ("AddressID", "AddressID")
    sets = (
        entity_set(
            "A_BusinessPartner",
            BUSINESS_PARTNER,
            label="Business Partner",
            deletable=False,
            navigations=(
                to_many("to_BusinessPartnerAddress", "A_BusinessPartnerAddress", partner),
                to_many("to_BusinessPartnerRole", "A_BusinessPartnerRole", partner),
                to_one("to_Customer", "A_Customer", customer, owned=True),
            ),
        ),
        entity_set(
            "A_BusinessPartnerAddress",
            ADDRESS,
            label="BP Address",
            navigations=(
                to_many("to_EmailAddress", "A_AddressEmailAddress", address),
                to_many("to_PhoneNumber", "A_AddressPhoneNumber", address),
                to_many("to_URLAddress", "A_AddressHomePageURL", address),
            ),
        ),
        entity_set("A_BusinessPartnerRole", ROLE, label="BP Role", deletable=False),
        entity_set("A_AddressEmailAddress", EMAIL_ADDRESS, label="E-Mail Address"),
        entity_set("A_AddressPhoneNumber", PHONE_NUMBER, label="Phone Number"),
        entity_set("A_AddressHomePageURL", URL_ADDRESS, label="Home Page URL"),
        entity_set(
            "A_Customer",
            CUSTOMER,
            label="Customer",
            creatable=False,
            deletable=False,
            navigations=(
                to_many("to_CustomerCompany", "A_CustomerCompany", customer),
                to_many("to_CustomerSalesArea", "A_CustomerSalesArea", customer),
            ),
        ),
        entity_set(
            "A_CustomerSalesArea",
            CUSTOMER_SALES_AREA,
            label="Customer Sales Area",
            deletable=False,
            navigations=(to_many("to_PartnerFunction", "A_CustSalesPartnerFunc", *SALES_AREA_KEY),),
        ),
        entity_set(
            "A_CustomerCompany", CUSTOMER_COMPANY, label="Customer Company", deletable=False
        ),
        entity_set("A_CustSalesPartnerFunc", SALES_PARTNER_FUNCTION, label="Partner Function"),
    )
    return ServiceModel(SERVICE, sets, component="LO-MD-BP")
