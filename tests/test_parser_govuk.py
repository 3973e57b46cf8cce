"""Tests for the GOV.UK parser on recorded real Content API and Search API payloads."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from tracker.contract import TrackedItem
from scrapers.parsers import govuk
from scrapers.parsers.errors import ParseError

FIXTURES = Path(__file__).parent / "fixtures" / "govuk"
SNAPSHOT = Path(__file__).parent.parent / "snapshot" / "govuk"
BASE = "https://www.gov.uk"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def parse(name: str) -> TrackedItem:
    payload = load(name)
    return govuk.parse_content(payload, govuk.content_url(BASE, payload["base_path"]))


OPEN = TrackedItem(
    id='govuk:bc6eceb8-377e-40f8-911f-f715bc2e5b93',
    source='govuk',
    kind='consultation',
    title='Postgraduate doctoral loans',
    url='https://www.gov.uk/government/consultations/postgraduate-doctoral-loans',
    summary="We'd like your views on the proposed loan for doctoral study.",
    organisation='Department for Education',
    status='open',
    published='2016-11-04T09:00:00+00:00',
    updated='2016-11-07T15:45:44+00:00',
    opens='2016-11-04T09:00:00+00:00',
    closes='2216-12-16T15:00:00+00:00',
    details={'document_type': 'open_consultation',
     'schema_name': 'consultation',
     'attachments': [],
     'ways_to_respond': None,
     'held_on_another_website_url': 'https://consult.education.gov.uk/part-time-maintenance-loans/post-graduate-doctoral-loans/',
     'change_history_latest_note': 'Added sub-topic tag.',
     'government': '2015 Conservative government'},
    body_text=('We are seeking external views on a postgraduate doctoral loan. This will offer eligible '
     'applicants up to £25,000 towards the cost of their studies. The loan will be repaid on an '
     'income-contingent basis, and we aim to launch it in the 2018 to 2019 academic year. We are very '
     'interested in hearing what you think about the proposed loan. We will consider all responses and '
     'use these to inform the design of the doctoral loan. Income-contingent loans are loans where the '
     'repayments will be based on how much you earn.'),
)

OPEN_WITH_PARTICIPATION = TrackedItem(
    id='govuk:4e06a81d-72b8-4f02-99af-d244098e7802',
    source='govuk',
    kind='consultation',
    title='Post Office network consultation',
    url='https://www.gov.uk/government/consultations/post-office-network',
    summary=('We are seeking views on the accessibility of post offices, the services available, and the role '
     'of communities in the future of the network.'),
    organisation='Department for Education; Department for Business, Energy & Industrial Strategy',
    status='open',
    published='2016-11-08T11:00:00+00:00',
    updated='2016-11-08T11:00:00+00:00',
    opens='2016-11-04T09:00:00+00:00',
    closes='2216-12-21T23:45:00+00:00',
    details={'document_type': 'open_consultation',
     'schema_name': 'consultation',
     'attachments': [],
     'ways_to_respond': {'link_url': 'https://beisgovuk.citizenspace.com/ukgi/post-office-network-consultation',
                         'email': 'po.consultation@ukgi.gov.uk',
                         'postal_address': '2016 Post Office Network Consultation\n'
                                           'Department for Business, Energy and Industrial Strategy\n'
                                           '1 Victoria Street\n'
                                           'London\n'
                                           'SW1H 0ET',
                         'attachment_url': 'https://www.gov.uk/government/uploads/system/uploads/consultation_response_form_data/file/533/beis-16-36rf-post-office-network-consultation-response-form.docx'},
     'held_on_another_website_url': 'https://consult.education.gov.uk/part-time-maintenance-loans/post-graduate-doctoral-loans/',
     'change_history_latest_note': None,
     'government': '2015 Conservative government'},
    body_text=('Government provides funding to maintain a national network of post office branches that is '
     'accessible to everyone. We want you to tell us what you expect from the post office network. '
     'Your responses will be used to help determine the funding provided to the post office after the '
     'existing agreement with Post Office Limited ends in 2018. We are not proposing any changes to '
     'the network through this consultation.'),
)

UNOPENED = TrackedItem(
    id='govuk:da8fddf3-8c8f-4eb8-ab9c-6cfd9c8f7254',
    source='govuk',
    kind='consultation',
    title='GDA of Hitachi-GE Nuclear Energy Ltd’s UK Advanced Boiling Water Reactor',
    url='https://www.gov.uk/government/consultations/gda-of-hitachi-ge-nuclear-energy-ltds-uk-advanced-boiling-water-reactor',
    summary=('How the Environment Agency is proposing to consult with stakeholders on Hitachi-GE Nuclear '
     'Energy Ltd’s UK Advanced Boiling Water Reactor.'),
    organisation='Environment Agency',
    status='upcoming',
    published='2016-10-31T16:04:58+00:00',
    updated='2016-10-31T16:04:58+00:00',
    opens='2200-10-05T14:00:00+01:00',
    closes='2210-10-31T16:00:00+00:00',
    details={'document_type': 'consultation',
     'schema_name': 'consultation',
     'attachments': [],
     'ways_to_respond': None,
     'change_history_latest_note': None,
     'government': '2015 Conservative government'},
    body_text=('The Environment Agency is proposing to consult with stakeholders on the generic design '
     'assessment (GDA) of Hitachi-GE Nuclear Energy Ltd’s (Hitachi-GE) UK Advanced Boiling Water '
     'Reactor (ABWR). The consultation will be open from 12 December 2016 until 3 March 2017.'),
)

CLOSED = TrackedItem(
    id='govuk:1aa96aac-d978-4de2-b717-0f54acb33883',
    source='govuk',
    kind='consultation',
    title='Review of Museums in England',
    url='https://www.gov.uk/government/consultations/review-of-museums-in-england',
    summary='An online call for evidence to inform a review of the museums sector in England',
    organisation='Department for Culture, Media & Sport',
    status='closed',
    published='2016-09-05T14:00:00+01:00',
    updated='2016-09-05T14:00:00+01:00',
    opens='2016-09-05T14:00:00+01:00',
    closes='2016-10-31T16:00:00+00:00',
    details={'document_type': 'closed_consultation',
     'schema_name': 'consultation',
     'attachments': [],
     'ways_to_respond': None,
     'change_history_latest_note': None,
     'government': '2015 Conservative government'},
    body_text=('The Museums Review will consider how museums and galleries across England can thrive and become '
     'even more inclusive. The Review will look at how the sector operates, the challenges it faces '
     'and the role of government-sponsored museums. To help inform this review, DCMS would welcome '
     'your feedback through our online Calls for Evidence (see links in attached document). The Calls '
     'for Evidence are open until 31 October 2016. The full Terms of Reference for the review can be '
     'found in the above document. If you have any queries about the review, please contact DCMS at '
     'museums.review@culture.gov.uk'),
)

OUTCOME_LEGACY = TrackedItem(
    id='govuk:2384975c-68b4-4d13-a130-7ef95bd24e61',
    source='govuk',
    kind='consultation',
    title='Employee Share Schemes: NIC elections',
    url='https://www.gov.uk/government/consultations/employee-share-schemes-nic-elections',
    summary=('A consultation on whether companies with non tax-advantaged share schemes require the continued '
     'availability of a National Insurance Contribution (NIC) election.'),
    organisation='HM Revenue & Customs',
    status='outcome',
    published='2016-04-20T16:00:00+01:00',
    updated='2016-10-18T10:30:00+01:00',
    opens='2016-04-20T16:00:00+01:00',
    closes='2016-07-13T22:45:00+01:00',
    details={'document_type': 'consultation_outcome',
     'schema_name': 'consultation',
     'attachments': [],
     'ways_to_respond': None,
     'outcome': {'date': None,
                 'detail_text': 'This document is the response to the consultation on the ability to '
                                'make National Insurance Contributions elections.',
                 'attachments': [{'title': 'Employee Share Schemes: NIC elections - consulation '
                                           'response',
                                  'url': 'https://www.gov.uk/government/uploads/system/uploads/attachment_data/file/560439/Employee_Share_Schemes-NIC_elections-summary_responses.pdf'}]},
     'change_history_latest_note': 'Published summary of responses document.',
     'government': '2015 Conservative government'},
    body_text=('A NIC election is the means of legally transferring to the employee the Employer’s Class 1 NIC '
     'obligation on the occasion of chargeable events in connection with employment-related securities '
     'options, and with restricted or convertible employment-related securities. This consultation is '
     'designed to gather views and evidence from companies with nontax-advantaged share schemes about '
     'whether there is a need for the continued availability of a NIC election. NIC agreements will '
     'continue to be available. The consultation is particularly relevant for accounting and legal '
     'advisers of companies which offer non tax-advantaged share schemes, particularly multinational '
     'companies with UK employees.'),
)

OUTCOME_FEATURED = TrackedItem(
    id='govuk:67e7930a-9e13-4a70-a5be-fc18aa8fa6f5',
    source='govuk',
    kind='consultation',
    title='Setting the grade standards of new GCSEs in England: 2017 & 2018',
    url='https://www.gov.uk/government/consultations/setting-the-grade-standards-of-new-gcses-in-england-2017-2018',
    summary=('Proposals on grade standards for GCSEs being awarded from 2018, and grades 8 and 9 in maths, '
     'English language and English literature from 2017.'),
    organisation='Ofqual',
    status='outcome',
    published='2016-04-20T11:44:19+01:00',
    updated='2016-09-07T12:00:28+01:00',
    opens='2016-04-22T12:00:00+01:00',
    closes='2016-06-17T23:45:00+01:00',
    details={'document_type': 'consultation_outcome',
     'schema_name': 'consultation',
     'attachments': [{'title': 'Setting the grade standards of new GCSEs in England – part 2',
                      'url': 'https://assets.publishing.service.gov.uk/government/uploads/system/uploads/attachment_data/file/529862/Setting_grade_standards_part_2.pdf'}],
     'ways_to_respond': None,
     'outcome': {'date': None,
                 'detail_text': 'We have decided that: The first award of all new GCSEs will be based '
                                'primarily on statistical predictions with examiner judgement playing '
                                'a secondary role. A modified approach, based on a wider range of '
                                'information, will be used where needed because of the size and nature '
                                'of the candidature. The grade standard established in the first award '
                                'will be carried forward in the second and subsequent years. The same '
                                'approach will be used for the first awards of grades 1 to 7 in all '
                                'new GCSEs as has already been confirmed for new GCSEs in English '
                                'language, English literature and maths. This approach uses key '
                                'reference points between current (alphabetical) and new (numerical) '
                                'grades to set grade standards in the new qualifications. The '
                                '‘tailored’ approach’ will be used to set standards for grades 8 and 9 '
                                'in all new GCSEs in the first year they are awarded, including '
                                'English language, English literature and maths. The standard '
                                'established in the first award for grades 8 and 9 will be carried '
                                'forward in the second and subsequent years.',
                 'attachments': [{'title': 'Decisions on setting the grade standards of new GCSEs in '
                                           'England - part 2',
                                  'url': 'https://assets.publishing.service.gov.uk/government/uploads/system/uploads/attachment_data/file/551571/Decisions_-_setting_GCSE_grade_standards_-_part_2.pdf'},
                                 {'title': 'Equalities impact assessment: setting the grade standards '
                                           'of new GCSEs in England – part 2',
                                  'url': 'https://assets.publishing.service.gov.uk/government/uploads/system/uploads/attachment_data/file/551115/Grading-consulation-Equalities-Impact-Assessment.pdf'}]},
     'public_feedback': {'date': '2016-09-07T01:00:00+01:00',
                         'detail_text': 'The majority of respondents agreed or strongly agreed with '
                                        'our proposals, which were: That the first award of new GCSEs '
                                        'will be based primarily on statistical predictions, with '
                                        'examiner judgement playing a secondary role. A modified '
                                        'approach based on a wider range of information and with less '
                                        'reliance on statistics will be used where appropriate. To the '
                                        'award of new GCSEs in the second and subsequent years: to '
                                        'carry forward the grade standard established in the first '
                                        'award. To adopt the same approach to the first award of '
                                        'grades 1 to 7 in all new GCSEs as that which we have '
                                        'confirmed will be adopted for new GCSEs in English language, '
                                        'English literature and maths. To adopt the ‘tailored '
                                        'approach’ to awarding grade 9 in subjects to be awarded from '
                                        'summer 2018. To also adopt the ‘tailored approach’ to '
                                        'awarding grade 9 in English language, English literature and '
                                        'maths from summer 2017. Just under half of the respondents '
                                        '(49%) agreed or strongly agreed with our proposal to base the '
                                        'award of grade 9 in the second and subsequent years on the '
                                        'standard set in the first award. 30% disagreed with this '
                                        'proposal. The remaining 21% neither agreed nor disagreed.',
                         'attachments': [{'title': 'Analysis of responses to our consultation on '
                                                   'setting the grade standards of new GCSEs in '
                                                   'England – part 2',
                                          'url': 'https://assets.publishing.service.gov.uk/government/uploads/system/uploads/attachment_data/file/551112/Grading-consultation-analysis-of-responses.pdf'}]},
     'change_history_latest_note': 'Published the decisions and analysis of responses.',
     'government': '2015 Conservative government'},
    body_text=('We are seeking views on our proposals for setting grade standards for new GCSEs. This '
     'consultation follows on from our earlier consultation on ‘Setting the grade standards of new '
     'GCSEs in England’ . In September 2014 we announced our decisions about the awarding of new GCSEs '
     'in English language, English literature and mathematics which will be first awarded in summer '
     '2017. We are now consulting on the approach to be taken in all other subjects. We are also '
     'consulting on a change to our previous decisions for English language, English literature and '
     'mathematics, about how grades 8 and 9 are set. Our proposals are designed to protect students '
     'taking the new qualifications, particularly in the first year when teachers will be less '
     'familiar with the new content and how it is assessed. We want to minimise unexpected or unfair '
     'outcomes for students in the transition to the new GCSEs.'),
)

WITHDRAWN = TrackedItem(
    id='govuk:bc6eceb8-377e-40f8-911f-f715bc2e5b93',
    source='govuk',
    kind='consultation',
    title='Postgraduate doctoral loans',
    url='https://www.gov.uk/government/consultations/postgraduate-doctoral-loans',
    summary="We'd like your views on the proposed loan for doctoral study.",
    organisation='Department for Education',
    status='withdrawn',
    published='2016-11-04T09:00:00+00:00',
    updated='2016-11-07T15:45:44+00:00',
    opens='2016-11-04T09:00:00+00:00',
    closes='2216-12-16T15:00:00+00:00',
    details={'document_type': 'open_consultation',
     'schema_name': 'consultation',
     'attachments': [],
     'ways_to_respond': None,
     'held_on_another_website_url': 'https://consult.education.gov.uk/part-time-maintenance-loans/post-graduate-doctoral-loans/',
     'withdrawn': {'at': '2016-11-12T09:52:00+00:00',
                   'explanation_text': 'It has been superseded by Postgraduate doctoral loans 2016'},
     'change_history_latest_note': 'Added sub-topic tag.',
     'government': '2015 Conservative government'},
    body_text=('We are seeking external views on a postgraduate doctoral loan. This will offer eligible '
     'applicants up to £25,000 towards the cost of their studies. The loan will be repaid on an '
     'income-contingent basis, and we aim to launch it in the 2018 to 2019 academic year. We are very '
     'interested in hearing what you think about the proposed loan. We will consider all responses and '
     'use these to inform the design of the doctoral loan. Income-contingent loans are loans where the '
     'repayments will be based on how much you earn.'),
)

CALL_FOR_EVIDENCE = TrackedItem(
    id='govuk:bc6eceb8-377e-40f8-911f-f715bc2e5b93',
    source='govuk',
    kind='call_for_evidence',
    title='Youth Vaping',
    url='https://www.gov.uk/government/calls-for-evidence/youth-vaping-call-for-evidence',
    summary=('A call for evidence seeking information on a range of themes about children and vaping (using an '
     'e-cigarette) to inform evidence-based policy decisions.'),
    organisation='Office for Health Improvement and Disparities',
    status='open',
    published='2023-04-11T14:01:57+01:00',
    updated='2023-05-15T16:52:59+01:00',
    opens='2023-04-11T14:01:57+01:00',
    closes='2023-04-16T14:01:57+01:00',
    details={'document_type': 'open_call_for_evidence',
     'schema_name': 'call_for_evidence',
     'attachments': [],
     'ways_to_respond': None,
     'held_on_another_website_url': 'https://consult.education.gov.uk/part-time-maintenance-loans/post-graduate-doctoral-loans/',
     'change_history_latest_note': 'Added sub-topic tag.',
     'government': '2015 Conservative government'},
    body_text=('The government is holding this call for evidence to identify opportunities to reduce the number '
     'of children (people aged under 18) accessing and using vape products, while ensuring they are '
     'still easily available as a quit aid for adult smokers.'),
)

POLICY_PAPER = TrackedItem(
    id='govuk:5f5cdf9d-7631-11e4-a3cb-005056011aef',
    source='govuk',
    kind='strategy',
    title='Strategy for dealing with safeguarding issues in charities',
    url='https://www.gov.uk/government/publications/strategy-for-dealing-with-safeguarding-issues-in-charities',
    summary='The Charity Commission’s role and approach in dealing with safeguarding issues in charities.',
    organisation='The Charity Commission',
    status='published',
    published='2013-05-23T13:52:00+01:00',
    updated='2017-12-06T07:08:05+00:00',
    opens=None,
    closes=None,
    details={'document_type': 'policy_paper',
     'schema_name': 'publication',
     'attachments': [],
     'ways_to_respond': None,
     'change_history_latest_note': 'Updated strategy sets out the Commission’s approach to '
                                   'safeguarding, and explains what trustees’ charity law duties mean '
                                   'in the context of safeguarding.',
     'government': '2010 to 2015 Conservative and Liberal Democrat coalition government'},
    body_text=('One of the Charity Commission’s strategic aims is to ensure that trustees carry out their duties '
     'as required by law. This includes trustees taking reasonable steps to protect their '
     'beneficiaries, and others who come into contact with their charity, from harm. Safeguarding '
     'should be a key governance priority for trustees. Any failure by trustees to manage safeguarding '
     'risks adequately is of serious regulatory concern to the Commission. It may consider this to be '
     'misconduct and/or mismanagement in the administration of the charity and this may also be a '
     'breach of trustee duty. This strategy sets out: how the Charity Commission works with the '
     'charity sector and other agencies to prevent safeguarding concerns arising its regulatory role '
     'in ensuring that trustees carry out their duties to protect their beneficiaries, and others who '
     'come into contact with their charity, from harm how it responds to allegations or reports of '
     'safeguarding incidents in charities'),
)

IMPACT_ASSESSMENT = TrackedItem(
    id='govuk:5f1d8e9b-7631-11e4-a3cb-005056011aef',
    source='govuk',
    kind='impact_assessment',
    title='Right to request flexible working: revised cost to business',
    url='https://www.gov.uk/government/publications/right-to-request-flexible-working-impact-assessment-revised-cost-to-business',
    summary='Impact assessment on the extension of the right to request flexible working to all employees.',
    organisation='Department for Business, Innovation & Skills',
    status='published',
    published='2014-03-14T13:57:00+00:00',
    updated='2014-03-14T13:57:00+00:00',
    opens=None,
    closes=None,
    details={'document_type': 'impact_assessment',
     'schema_name': 'publication',
     'attachments': [],
     'ways_to_respond': None,
     'change_history_latest_note': 'First published.',
     'government': '2010 to 2015 Conservative and Liberal Democrat coalition government'},
    body_text=('Since the original publication of this assessment in November 2012, the Better Regulation '
     'Executive has updated the inflation assumptions that are used to discount the costs and benefits '
     'of all policies. As a result, the equivalent annual net cost to business of the policies '
     'assessed has fallen to £10.31 million (down from £11.79 million). The remaining analysis is '
     'unchanged. This document relates to the consultation on modern workplaces .'),
)

INDEPENDENT_REPORT = TrackedItem(
    id='govuk:5ef80bd2-7631-11e4-a3cb-005056011aef',
    source='govuk',
    kind='independent_report',
    title='Child sexual exploitation: health working group report',
    url='https://www.gov.uk/government/publications/health-working-group-report-on-child-sexual-exploitation',
    summary=('Recommendations to improve the health and wellbeing of children who have experienced sexual '
     'exploitation.'),
    organisation='Department of Health and Social Care',
    status='published',
    published='2014-01-15T17:38:00+00:00',
    updated='2014-05-12T10:13:18+01:00',
    opens=None,
    closes=None,
    details={'document_type': 'independent_report',
     'schema_name': 'publication',
     'attachments': [],
     'ways_to_respond': None,
     'change_history_latest_note': "Added the Department of Health's response to the recommendations "
                                   'in the child sexual exploitation health working group report.',
     'government': '2010 to 2015 Conservative and Liberal Democrat coalition government'},
    body_text=('The child sexual exploitation health working group report makes recommendations to improve the '
     'health and wellbeing of children who have experienced sexual exploitation. It is designed to '
     'help health services improve prevention techniques and to achieve the best possible results for '
     'affected children and young people. The Department of Health’s response to the report focuses on '
     'the action that is currently taking place to improve the identification, support and healthcare '
     'service provision of sexually exploited children and young people. The independent health '
     'working group was chaired by the Department of Health. By implementing the recommendations, '
     'health practitioners can help protect children, identify and intervene in cases of child sexual '
     'exploitation and help with recovery.'),
)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("consultation__open_consultation.json", OPEN),
        ("consultation__open_consultation_with_participation.json", OPEN_WITH_PARTICIPATION),
        ("consultation__unopened_consultation.json", UNOPENED),
        ("consultation__closed_consultation.json", CLOSED),
        ("consultation__consultation_outcome.json", OUTCOME_LEGACY),
        ("consultation__consultation_outcome_with_featured_attachments.json", OUTCOME_FEATURED),
        ("consultation__consultation_withdrawn.json", WITHDRAWN),
        ("call_for_evidence__open_call_for_evidence.json", CALL_FOR_EVIDENCE),
        ("publication__best-practice-policy-paper.json", POLICY_PAPER),
        ("publication__best-practice-impact-assessment.json", IMPACT_ASSESSMENT),
        ("publication__best-practice-independent-report.json", INDEPENDENT_REPORT),
    ],
)
def test_parse_content_whole_item(fixture: str, expected: TrackedItem) -> None:
    assert parse(fixture) == expected


@pytest.mark.parametrize(
    ("fixture", "status", "outcome_attachments", "feedback_date"),
    [
        ("consultation__best-practice-consultation.json", "outcome", 2, "2015-03-25T00:00:00+00:00"),
        ("consultation__consultation_outcome_with_feedback.json", "outcome", 2, "2016-09-07T13:00:00+01:00"),
    ],
)
def test_parse_content_other_outcomes(fixture: str, status: str, outcome_attachments: int, feedback_date: str) -> None:
    item = parse(fixture)
    assert (item.status, len(item.details["outcome"]["attachments"]), item.details["public_feedback"]["date"]) == (
        status,
        outcome_attachments,
        feedback_date,
    )


@pytest.mark.parametrize(
    "fixture",
    [
        "publication__best-practice-statutory-guidance.json",
        "publication__publication.json",
        "publication__withdrawn_publication.json",
    ],
)
def test_unsupported_document_types_raise(fixture: str) -> None:
    payload = load(fixture)
    with pytest.raises(ParseError, match=rf"govuk: {payload['base_path']}: field 'document_type' has unsupported value"):
        parse(fixture)


def test_withdrawn_wins_over_any_document_type() -> None:
    payload = load("publication__best-practice-policy-paper.json")
    payload["withdrawn_notice"] = load("consultation__consultation_withdrawn.json")["withdrawn_notice"]
    item = govuk.parse_content(payload, "u")
    assert (item.status, item.kind, item.details["withdrawn"]) == (
        "withdrawn",
        "strategy",
        {"at": "2016-11-12T09:52:00+00:00", "explanation_text": "It has been superseded by Postgraduate doctoral loans 2016"},
    )


def test_empty_withdrawn_notice_is_not_withdrawn() -> None:
    assert parse("publication__best-practice-impact-assessment.json").status == "published"


def test_policy_paper_without_strategy_or_plan_in_title_stays_policy_paper() -> None:
    payload = load("publication__best-practice-policy-paper.json")
    payload["title"] = "Safeguarding issues in charities"
    assert govuk.parse_content(payload, "u").kind == "policy_paper"


def test_html_in_text_fields_becomes_plain_text() -> None:
    payload = load("consultation__open_consultation.json")
    payload["title"] = "Fraud &amp; <em>economic</em> crime"
    payload["description"] = "<p>Views on   <strong>fraud</strong></p>"
    item = govuk.parse_content(payload, "u")
    assert (item.title, item.summary) == ("Fraud & economic crime", "Views on fraud")


def test_body_text_is_capped() -> None:
    payload = load("consultation__open_consultation.json")
    payload["details"]["body"] = "<p>" + "x" * 150_000 + "</p>"
    assert len(govuk.parse_content(payload, "u").body_text) == govuk.BODY_TEXT_LIMIT


@pytest.mark.parametrize("field", ["content_id", "title", "base_path", "document_type"])
def test_missing_required_field_raises_naming_it(field: str) -> None:
    payload = load("consultation__open_consultation.json")
    del payload[field]
    doc = "bc6eceb8-377e-40f8-911f-f715bc2e5b93" if field == "base_path" else "/government/consultations/postgraduate-doctoral-loans"
    with pytest.raises(ParseError, match=rf"^govuk: {doc}: required field '{field}' missing or empty$"):
        govuk.parse_content(payload, "u")


def test_renamed_field_raises() -> None:
    payload = load("consultation__open_consultation.json")
    payload["contentId"] = payload.pop("content_id")
    with pytest.raises(ParseError, match="postgraduate-doctoral-loans: required field 'content_id'"):
        govuk.parse_content(payload, "u")


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("public_updated_at",), "7 November 2016", "public_updated_at"),
        (("details", "closing_date"), "2016-13-45T00:00:00Z", "details.closing_date"),
        (("withdrawn_notice", "withdrawn_at"), "soon", "withdrawn_notice.withdrawn_at"),
        (("first_published_at",), 20161104, "first_published_at"),
    ],
)
def test_bad_date_raises_naming_field_and_document(path: tuple, value: object, field: str) -> None:
    payload = load("consultation__consultation_withdrawn.json")
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ParseError, match=rf"govuk: /government/consultations/postgraduate-doctoral-loans: field '{field}'"):
        govuk.parse_content(payload, "u")


def test_missing_details_raises() -> None:
    payload = load("consultation__open_consultation.json")
    del payload["details"]
    with pytest.raises(ParseError, match="field 'details' missing"):
        govuk.parse_content(payload, "u")


def test_unknown_attachment_id_raises() -> None:
    payload = load("consultation__consultation_outcome_with_featured_attachments.json")
    payload["details"]["final_outcome_attachments"].append("missing.pdf")
    with pytest.raises(ParseError, match="attachment id 'missing.pdf' not in 'details.attachments'"):
        govuk.parse_content(payload, "u")


def test_organisation_without_title_raises() -> None:
    payload = load("consultation__open_consultation.json")
    del payload["links"]["organisations"][0]["title"]
    with pytest.raises(ParseError, match=r"field 'links.organisations\[0\].title' missing"):
        govuk.parse_content(payload, "u")


def test_parse_content_does_not_mutate_payload() -> None:
    payload = load("consultation__consultation_outcome_with_featured_attachments.json")
    before = copy.deepcopy(payload)
    govuk.parse_content(payload, "u")
    assert payload == before


def test_parse_search_real_response() -> None:
    url = "https://www.gov.uk/api/search.json?q=tax&suggest=autocomplete&count=1"
    payload = load("search_q_tax_count1_suggest_autocomplete.json")
    assert govuk.parse_search(payload, url) == [
        govuk.SearchHit(
            content_id=None,
            link="/vehicle-tax",
            public_timestamp="2017-12-07T12:54:39+00:00",
            document_type=None,
            title="Tax your vehicle",
        )
    ]
    assert govuk.search_total(payload) == 79464


def test_parse_search_bad_input() -> None:
    with pytest.raises(ParseError, match=r"govuk: search u: field 'results' missing"):
        govuk.parse_search({"total": 0}, "u")
    with pytest.raises(ParseError, match=r"results\[0\]: field 'link' missing"):
        govuk.parse_search({"results": [{"title": "x"}]}, "u")
    with pytest.raises(ParseError, match="field 'public_timestamp'"):
        govuk.parse_search({"results": [{"link": "/x", "public_timestamp": "yesterday"}]}, "u")
    with pytest.raises(ParseError, match="field 'total'"):
        govuk.search_total({"results": []})


def test_search_url_is_deterministic_and_carries_every_filter() -> None:
    url = govuk.search_url(BASE + "/")
    assert url == govuk.search_url(
        BASE,
        tuple(reversed(govuk.DEFAULT_DOCUMENT_TYPES)),
        tuple(reversed(govuk.DEFAULT_ORGANISATIONS)),
        0,
        govuk.SEARCH_PAGE_SIZE,
        tuple(reversed(govuk.SEARCH_FIELDS)),
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.gov.uk", "/api/search.json")
    query = parse_qsl(parts.query)
    assert query == sorted(query)
    values = lambda key: [v for k, v in query if k == key]  # noqa: E731
    assert sorted(values("filter_content_store_document_type")) == sorted(govuk.DEFAULT_DOCUMENT_TYPES)
    assert sorted(values("filter_organisations")) == sorted(govuk.DEFAULT_ORGANISATIONS)
    assert sorted(values("fields")) == sorted(govuk.SEARCH_FIELDS)
    assert (values("order"), values("start"), values("count")) == (["-public_timestamp"], ["0"], ["100"])


def test_search_url_exact_small_case() -> None:
    assert govuk.search_url(BASE, ["policy_paper"], ["home-office"], 200, 50, ["link", "title"]) == (
        "https://www.gov.uk/api/search.json?count=50&fields=link&fields=title"
        "&filter_content_store_document_type=policy_paper&filter_organisations=home-office"
        "&order=-public_timestamp&start=200"
    )


@pytest.mark.parametrize(("start", "count"), [(-1, 10), (0, 1501), (0, -1)])
def test_search_url_rejects_bad_paging(start: int, count: int) -> None:
    with pytest.raises(ValueError):
        govuk.search_url(BASE, start=start, count=count)


def test_content_url() -> None:
    assert govuk.content_url(BASE + "/", "/government/consultations/x") == (
        "https://www.gov.uk/api/content/government/consultations/x"
    )
    with pytest.raises(ValueError):
        govuk.content_url(BASE, "government/consultations/x")


def test_default_document_types_are_all_parseable() -> None:
    assert set(govuk.DEFAULT_DOCUMENT_TYPES) == set(govuk.KIND_BY_TYPE)


def test_snapshot_slice_is_consistent_with_the_parser() -> None:
    manifest = json.loads((SNAPSHOT / "manifest.json").read_text(encoding="utf-8"))
    search_entry, *content_entries = manifest["responses"]
    assert search_entry["path"] == govuk.search_url(BASE).removeprefix(BASE)
    page = json.loads((SNAPSHOT / search_entry["file"]).read_text(encoding="utf-8"))
    hits = govuk.parse_search(page, search_entry["path"])
    assert govuk.search_total(page) == len(hits) == len(content_entries)
    assert [h.public_timestamp for h in hits] == sorted((h.public_timestamp for h in hits), reverse=True)
    for hit, entry in zip(hits, content_entries):
        assert entry["path"] == govuk.content_url(BASE, hit.link).removeprefix(BASE)
        item = govuk.parse_content(json.loads((SNAPSHOT / entry["file"]).read_text(encoding="utf-8")), entry["path"])
        assert (item.id, item.url, item.title, item.updated, item.details["document_type"]) == (
            f"govuk:{hit.content_id}",
            BASE + hit.link,
            hit.title,
            hit.public_timestamp,
            hit.document_type,
        )
        assert hit.document_type in govuk.DEFAULT_DOCUMENT_TYPES


def test_snapshot_strategy_and_outcome_examples() -> None:
    item = govuk.parse_content(json.loads((SNAPSHOT / "content__fraud-strategy.json").read_text(encoding="utf-8")), "u")
    assert (item.kind, item.status, item.organisation, item.published, item.updated) == (
        "strategy",
        "published",
        "Home Office",
        "2023-05-03T00:00:00+01:00",
        "2023-06-01T00:00:00+01:00",
    )
    name = "content__ransomware-proposals-to-increase-incident-reporting-and-reduce-payments-to-criminals.json"
    item = govuk.parse_content(json.loads((SNAPSHOT / name).read_text(encoding="utf-8")), "u")
    assert (item.kind, item.status, item.closes, item.details["outcome"]["date"]) == (
        "consultation",
        "outcome",
        "2025-04-08T17:00:00+01:00",
        "2025-07-22T00:00:00+01:00",
    )
