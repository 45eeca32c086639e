import { checkStudyModalities, type StudyCheck } from '../extension/utils/studyModalities';

/**
 * SPA segments CT and MR images: a study is valid when it has at least one CT or MR
 * series. `modalities` is the study's ModalitiesInStudy, backslash-separated.
 */
export default function isValidMode({ modalities }: { modalities?: string }): StudyCheck {
  return checkStudyModalities((modalities ?? '').split('\\'));
}
